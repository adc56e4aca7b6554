import type { Secret } from '../../core/secret.ts';
import { FileSchemaRegistry } from './file-registry.ts';
import type { SchemaRegistry } from './registry.ts';
import { RestSchemaRegistry } from './rest-registry.ts';

/** `SCHEMA_REGISTRY_URL` set: a REST registry; otherwise the ids pinned in the project's files. */
export type SchemaRegistryConfig =
  | { readonly kind: 'file' }
  | { readonly kind: 'rest'; readonly url: Secret; readonly timeoutMs: number };

/** The REST registry when SCHEMA_REGISTRY_URL is set, else the ids pinned in `schemas/registry.json`. */
export function createSchemaRegistry(config: {
  readonly schemaRegistry: SchemaRegistryConfig;
  readonly projectDir: string;
}): SchemaRegistry {
  const settings = config.schemaRegistry;
  return settings.kind === 'rest'
    ? new RestSchemaRegistry({ url: settings.url, timeoutMs: settings.timeoutMs })
    : new FileSchemaRegistry(config.projectDir);
}
