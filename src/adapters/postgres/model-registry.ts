import { isDeepStrictEqual } from 'node:util';
import type { Queryable } from './queryable.ts';
import { LarrError } from '../../core/errors.ts';

export type ModelKind = 'embedding' | 'encoder' | 'ctr';
export const MODEL_KINDS: readonly ModelKind[] = ['embedding', 'encoder', 'ctr'];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A model version to register. */
export interface ModelVersionInput {
  /** Unique id; for checkpoints derived from their content, so re-registering the same files is a no-op. */
  readonly version: string;
  readonly kind: ModelKind;
  /** The version this one was trained from (stage 2 from stage 1, a warm start); not checked to exist. */
  readonly parentVersion?: string;
  /** Serialisable model configuration (sizes, pooling, training options). */
  readonly config: JsonObject;
  /** Evaluation numbers, e.g. `{ "item_item": { "recall@10": 0.41, "mrr": 0.22 } }`. */
  readonly metrics?: JsonObject;
  /** Where the checkpoint files live (a folder path or URL) when the weights are not in Postgres. */
  readonly location?: string;
  /** Serialised weights, stored in the `weights` column. */
  readonly weights?: Uint8Array;
}

export interface ModelVersion {
  readonly version: string;
  readonly kind: ModelKind;
  readonly parentVersion: string | undefined;
  readonly config: JsonObject;
  readonly metrics: JsonObject;
  readonly location: string | undefined;
  readonly createdAt: Date;
  /** Bytes in the `weights` column (0 when none); `weights(version)` reads them. */
  readonly weightsBytes: number;
}

/**
 * `model_versions` has no location column (001_core.sql), so the location is kept in `config` under this
 * key and taken out again on read; a model config must not use it itself.
 */
export const LOCATION_KEY = '$location';

const VERSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+\-/]{0,199}$/;

interface ModelVersionRow {
  version: string;
  kind: string;
  parent_version: string | null;
  config: JsonObject;
  metrics: JsonObject;
  created_at: Date;
  weights_bytes: number | null;
}

const COLUMNS = `version, kind, parent_version, config, metrics, created_at,
  coalesce(octet_length(weights), 0)::int AS weights_bytes`;

/**
 * The model registry: every embedding model, aggregation encoder and CTR model version with its lineage,
 * configuration and evaluation numbers, in `model_versions` (table names unqualified; the pool's
 * `search_path` selects the schema). Works over any `Queryable`, so it imports no driver.
 */
export class ModelRegistry {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /**
   * Registers a version. Registering the same version again with the same kind, parent, config, location
   * and weights is a no-op that returns the stored record (metrics given again replace the stored ones, so
   * a later evaluation can be recorded); anything else under an existing version is a MODEL_VERSION_CONFLICT.
   */
  async register(input: ModelVersionInput): Promise<ModelVersion> {
    validate(input);
    const config: JsonObject =
      input.location === undefined ? input.config : { ...input.config, [LOCATION_KEY]: input.location };
    const weights = input.weights === undefined ? null : Buffer.from(input.weights);
    const { rows } = await this.#db.query<ModelVersionRow>(
      `INSERT INTO model_versions (version, kind, parent_version, config, metrics, weights)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)
       ON CONFLICT (version) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        input.version,
        input.kind,
        input.parentVersion ?? null,
        JSON.stringify(config),
        JSON.stringify(input.metrics ?? {}),
        weights,
      ],
    );
    const inserted = rows[0];
    if (inserted) return toModelVersion(inserted);

    const existing = await this.#row(input.version);
    if (existing === undefined) {
      // Deleted between the two statements: rare enough to report rather than loop.
      throw new LarrError(
        'MODEL_VERSION_CONFLICT',
        `model version ${input.version} changed while registering`,
        {
          retriable: true,
        },
      );
    }
    const sameWeights =
      weights === null
        ? (existing.weights_bytes ?? 0) === 0
        : await this.#weightsEqual(input.version, weights);
    const differences = [
      existing.kind !== input.kind && 'kind',
      existing.parent_version !== (input.parentVersion ?? null) && 'parent version',
      !isDeepStrictEqual(existing.config, JSON.parse(JSON.stringify(config))) && 'config or location',
      !sameWeights && 'weights',
    ].filter((difference): difference is string => difference !== false);
    if (differences.length > 0) {
      throw new LarrError(
        'MODEL_VERSION_CONFLICT',
        `model version ${input.version} is already registered with a different ${differences.join(', ')}; ` +
          'a changed model needs a new version id',
      );
    }
    if (input.metrics !== undefined) return this.recordMetrics(input.version, input.metrics);
    return toModelVersion(existing);
  }

  /** Replaces the evaluation numbers of a registered version. */
  async recordMetrics(version: string, metrics: JsonObject): Promise<ModelVersion> {
    const { rows } = await this.#db.query<ModelVersionRow>(
      `UPDATE model_versions SET metrics = $2::jsonb WHERE version = $1 RETURNING ${COLUMNS}`,
      [version, JSON.stringify(metrics)],
    );
    const row = rows[0];
    if (!row) throw new LarrError('MODEL_VERSION_UNKNOWN', `no model version ${JSON.stringify(version)}`);
    return toModelVersion(row);
  }

  /** The version, or undefined when it is not registered. */
  async get(version: string): Promise<ModelVersion | undefined> {
    const row = await this.#row(version);
    return row === undefined ? undefined : toModelVersion(row);
  }

  /** Versions newest first, optionally of one kind. @param limit at most this many (default 100) */
  async list(options: { kind?: ModelKind; limit?: number } = {}): Promise<ModelVersion[]> {
    const { rows } = await this.#db.query<ModelVersionRow>(
      `SELECT ${COLUMNS} FROM model_versions
       WHERE ($1::text IS NULL OR kind = $1)
       ORDER BY created_at DESC, version
       LIMIT $2`,
      [options.kind ?? null, options.limit ?? 100],
    );
    return rows.map(toModelVersion);
  }

  /** The stored weights, or undefined when the version has none in Postgres (or is unknown). */
  async weights(version: string): Promise<Uint8Array | undefined> {
    const { rows } = await this.#db.query<{ weights: Buffer | null }>(
      'SELECT weights FROM model_versions WHERE version = $1',
      [version],
    );
    const weights = rows[0]?.weights;
    return weights === null || weights === undefined ? undefined : new Uint8Array(weights);
  }

  async #row(version: string): Promise<ModelVersionRow | undefined> {
    const { rows } = await this.#db.query<ModelVersionRow>(
      `SELECT ${COLUMNS} FROM model_versions WHERE version = $1`,
      [version],
    );
    return rows[0];
  }

  async #weightsEqual(version: string, weights: Buffer): Promise<boolean> {
    const { rows } = await this.#db.query<{ same: boolean }>(
      'SELECT weights IS NOT DISTINCT FROM $2::bytea AS same FROM model_versions WHERE version = $1',
      [version, weights],
    );
    return rows[0]?.same === true;
  }
}

function validate(input: ModelVersionInput): void {
  const fail = (field: string, problem: string) =>
    new LarrError('MODEL_VERSION_INVALID', `model version ${field}: ${problem}`);
  if (!VERSION_ID.test(input.version)) {
    throw fail(
      'version',
      `expected 1-200 characters of letters, digits and . _ : @ + - /, got ${JSON.stringify(input.version)}`,
    );
  }
  if (!MODEL_KINDS.includes(input.kind)) {
    throw fail('kind', `expected one of ${MODEL_KINDS.join(', ')}, got ${JSON.stringify(input.kind)}`);
  }
  if (input.parentVersion !== undefined && !VERSION_ID.test(input.parentVersion)) {
    throw fail('parentVersion', `is not a valid version id: ${JSON.stringify(input.parentVersion)}`);
  }
  if (input.parentVersion === input.version)
    throw fail('parentVersion', 'a version cannot be its own parent');
  if (!isPlainObject(input.config)) throw fail('config', 'must be a JSON object');
  if (LOCATION_KEY in input.config) throw fail('config', `must not use the reserved key ${LOCATION_KEY}`);
  if (input.metrics !== undefined && !isPlainObject(input.metrics))
    throw fail('metrics', 'must be a JSON object');
  if (input.location !== undefined && input.location.trim() === '')
    throw fail('location', 'must not be empty');
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toModelVersion(row: ModelVersionRow): ModelVersion {
  const { [LOCATION_KEY]: location, ...config } = row.config;
  return {
    version: row.version,
    kind: row.kind as ModelKind,
    parentVersion: row.parent_version ?? undefined,
    config,
    metrics: row.metrics,
    location: typeof location === 'string' ? location : undefined,
    createdAt: row.created_at,
    weightsBytes: row.weights_bytes ?? 0,
  };
}
