/**
 * Where a model folder setting (`LARR_EMBEDDER_MODEL_DIR`, `--embedder`, `--model`, `--encoder`) may name a
 * registered embedding model version instead of a folder: `larr train pretrain` / `contrastive` register the
 * encoder folders they write under their content version, with the folder as location
 * (`tools/training/encoder-registration.ts`). The registry gives the folder back.
 */
import { stat } from 'node:fs/promises';
import type { DatabaseConfig } from '../../adapters/postgres/database-config.ts';
import { PgModelRegistry } from '../../adapters/postgres/model-registry.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { LarrError } from '../../core/errors.ts';

/** The folder of a registered embedding model version; undefined when the registry has no such version. */
export type VersionResolver = (version: string) => Promise<string | undefined>;

/** A model folder, and the registered version it was named by (the folder must still hold that version). */
export interface ModelFolderRef {
  readonly dir: string;
  readonly version?: string;
}

/** What may name a registered version: no path separators, so a path is never sent to the registry. */
const VERSION_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}$/;

const isDirectory = (path: string) =>
  stat(path).then(
    (entry) => entry.isDirectory(),
    () => false,
  );

/**
 * `value` as a model folder: itself when it is a folder, else the registered location of the embedding model
 * version it names (asked of `resolveVersion`); undefined when it is neither. Throws
 * MODEL_VERSION_UNAVAILABLE when the registry cannot be asked, or gives a location that is not a folder here.
 */
export async function modelFolderOrVersion(
  value: string,
  resolveVersion: VersionResolver | undefined,
): Promise<ModelFolderRef | undefined> {
  if (await isDirectory(value)) return { dir: value };
  if (resolveVersion === undefined || !VERSION_ID.test(value)) return undefined;
  let location: string | undefined;
  try {
    location = await resolveVersion(value);
  } catch (error) {
    throw new LarrError(
      'MODEL_VERSION_UNAVAILABLE',
      `${JSON.stringify(value)} is not a folder, and the model registry could not be asked for it as a ` +
        `version: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (location === undefined) return undefined;
  if (!(await isDirectory(location))) {
    throw new LarrError(
      'MODEL_VERSION_UNAVAILABLE',
      `version ${value} is registered at ${JSON.stringify(location)}, which is not a folder on this machine`,
    );
  }
  return { dir: location, version: value };
}

/** Looks an embedding model version up in the registry of `database`, with a short-lived pool per call. */
export function registryVersionResolver(database: DatabaseConfig): VersionResolver {
  return async (version) => {
    const pool = createPool(database);
    try {
      const found = await new PgModelRegistry(pool).get(version);
      return found?.kind === 'embedding' ? found.location : undefined;
    } finally {
      await pool.end();
    }
  };
}
