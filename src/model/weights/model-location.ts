/**
 * Where a model version's weights live, as written in `ModelUpdate.location`:
 * `postgres:model_versions/<version>` — the `weights` column of that row. The table is unqualified on
 * purpose: each reader finds it in its own configured schema (`LARR_DB_SCHEMA`). A schema-qualified form
 * (`postgres:<schema>.model_versions/<version>`, as older docs wrote it) is accepted on read.
 */
import { LarrError } from '../../core/errors.ts';

export const MODEL_LOCATION_SCHEME = 'postgres:';
const LOCATION = /^postgres:(?:([a-z_][a-z0-9_]{0,62})\.)?model_versions\/(.+)$/;

export interface ModelLocation {
  readonly store: 'postgres';
  /** The schema named in the location, when it names one; readers use their own anyway. */
  readonly schema: string | undefined;
  readonly version: string;
}

export function formatModelLocation(version: string): string {
  if (version.length === 0) throw new LarrError('MODEL_LOCATION_INVALID', 'a model location needs a version');
  return `${MODEL_LOCATION_SCHEME}model_versions/${version}`;
}

export function parseModelLocation(location: string): ModelLocation {
  const match = LOCATION.exec(location);
  if (match === null) {
    throw new LarrError(
      'MODEL_LOCATION_INVALID',
      `model location ${JSON.stringify(location)}: expected postgres:model_versions/<version>`,
    );
  }
  return { store: 'postgres', schema: match[1], version: match[2]! };
}
