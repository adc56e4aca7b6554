import type { LarrConfig } from '../../app/config/config.ts';
import { FileSchemaRegistry } from './file-registry.ts';
import type { SchemaRegistry } from './registry.ts';
import { RestSchemaRegistry } from './rest-registry.ts';

/** The REST registry when SCHEMA_REGISTRY_URL is set, else the ids pinned in `schemas/registry.json`. */
export function createSchemaRegistry(
  config: Pick<LarrConfig, 'schemaRegistry' | 'projectDir'>,
): SchemaRegistry {
  const settings = config.schemaRegistry;
  return settings.kind === 'rest'
    ? new RestSchemaRegistry({ url: settings.url, timeoutMs: settings.timeoutMs })
    : new FileSchemaRegistry(config.projectDir);
}
