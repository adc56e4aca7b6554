/**
 * Model versions as the domain knows them: every embedding model, aggregation encoder and CTR model version,
 * with its lineage, configuration and evaluation numbers, and the registry port that stores them
 * (`adapters/postgres/model-registry.ts` keeps them in Postgres).
 */
import { LarrError } from './errors.ts';

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

/** Where model versions are registered and read back; the stages and loaders see only this. */
export interface ModelRegistry {
  /**
   * Registers a version. Registering the same version again with the same content is a no-op that returns
   * the stored record; the same id with other content is an error.
   */
  register(input: ModelVersionInput): Promise<ModelVersion>;
  /** Replaces the evaluation numbers of a registered version. */
  recordMetrics(version: string, metrics: JsonObject): Promise<ModelVersion>;
  get(version: string): Promise<ModelVersion | undefined>;
  /** Newest first. */
  list(options?: { kind?: ModelKind; limit?: number }): Promise<ModelVersion[]>;
  /** The serialised weights of a version, undefined when it has none. */
  weights(version: string): Promise<Uint8Array | undefined>;
}

/**
 * The key a model config may not use: a registry without a location column (Postgres, 001_core.sql) keeps
 * the location in the config under it.
 */
export const RESERVED_CONFIG_KEY = '$location';

export const MODEL_VERSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+\-/]{0,199}$/;

/** Throws MODEL_VERSION_INVALID naming the field when `input` cannot be registered. */
export function validateModelVersionInput(input: ModelVersionInput): void {
  const fail = (field: string, problem: string) =>
    new LarrError('MODEL_VERSION_INVALID', `model version ${field}: ${problem}`);
  if (!MODEL_VERSION_ID.test(input.version)) {
    throw fail(
      'version',
      `expected 1-200 characters of letters, digits and . _ : @ + - /, got ${JSON.stringify(input.version)}`,
    );
  }
  if (!MODEL_KINDS.includes(input.kind)) {
    throw fail('kind', `expected one of ${MODEL_KINDS.join(', ')}, got ${JSON.stringify(input.kind)}`);
  }
  if (input.parentVersion !== undefined && !MODEL_VERSION_ID.test(input.parentVersion)) {
    throw fail('parentVersion', `is not a valid version id: ${JSON.stringify(input.parentVersion)}`);
  }
  if (input.parentVersion === input.version)
    throw fail('parentVersion', 'a version cannot be its own parent');
  if (!isPlainObject(input.config)) throw fail('config', 'must be a JSON object');
  if (RESERVED_CONFIG_KEY in input.config)
    throw fail('config', `must not use the reserved key ${RESERVED_CONFIG_KEY}`);
  if (input.metrics !== undefined && !isPlainObject(input.metrics))
    throw fail('metrics', 'must be a JSON object');
  if (input.location !== undefined && input.location.trim() === '')
    throw fail('location', 'must not be empty');
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
