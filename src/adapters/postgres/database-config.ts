/** How to reach Postgres (`DATABASE_URL`, `LARR_DB_*`, read by the app's configuration). */
import type { Secret } from '../../core/secret.ts';

export interface DatabaseConfig {
  /** `DATABASE_URL`. @default postgres://postgres@127.0.0.1:5432/postgres */
  readonly url: Secret;
  /** `LARR_DB_SCHEMA`: Postgres schema holding larr's tables. @default larr */
  readonly schema: string;
  /** `LARR_DB_TLS`: disable | require | verify-full. @default disable */
  readonly tls: 'disable' | 'require' | 'verify-full';
  /** `LARR_DB_TLS_CA_FILE`: CA bundle for verify-full. */
  readonly tlsCa: string | undefined;
  /** `LARR_DB_POOL_SIZE`. @default 4 */
  readonly poolSize: number;
  /**
   * `LARR_DB_QUERY_TIMEOUT_MS`: how long a stage's query may wait for its answer before it fails as a
   * transient error (0: no limit). The stages' pools use it (`PoolHooks.queryTimeoutMillis`). @default 30000
   */
  readonly queryTimeoutMs?: number;
  /**
   * True when `DATABASE_URL` is set (not the default): training jobs register their checkpoints in the
   * model registry only then.
   */
  readonly configured?: boolean;
}
