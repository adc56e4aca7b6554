/**
 * The one thing the core needs from a database: run a statement with positional parameters (`$1`, `$2`, …)
 * and get rows back. `pg.Pool` and `pg.PoolClient` satisfy it structurally, so code written against it
 * imports no driver and tests can pass a fake.
 */
export interface Queryable {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A connection taken from a pool for work that needs one session (transactions, advisory locks). */
export interface PooledConnection extends Queryable {
  /** Gives the connection back; pass an error (or `true`) to close it instead of reusing it. */
  release(destroy?: Error | boolean): void;
}

/** Hands out dedicated connections; `pg.Pool` satisfies it structurally. */
export interface ConnectionSource extends Queryable {
  connect(): Promise<PooledConnection>;
}
