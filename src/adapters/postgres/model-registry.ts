import { isDeepStrictEqual } from 'node:util';
import type { Queryable } from './queryable.ts';
import { LarrError } from '../../core/errors.ts';
import {
  RESERVED_CONFIG_KEY,
  validateModelVersionInput,
  type JsonObject,
  type ModelKind,
  type ModelRegistry,
  type ModelVersion,
  type ModelVersionInput,
} from '../../core/model-version.ts';

/** `model_versions` has no location column: the location travels in `config` under this key. */
const LOCATION_KEY = RESERVED_CONFIG_KEY;

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
export class PgModelRegistry implements ModelRegistry {
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
    validateModelVersionInput(input);
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
