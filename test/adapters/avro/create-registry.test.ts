import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/app/config/config.ts';
import { createSchemaRegistry } from '../../../src/adapters/avro/create-registry.ts';
import { FileSchemaRegistry } from '../../../src/adapters/avro/file-registry.ts';
import { RestSchemaRegistry } from '../../../src/adapters/avro/rest-registry.ts';
import { PROJECT_DIR } from './fixtures.ts';

test('the file registry without SCHEMA_REGISTRY_URL, the REST client with it', () => {
  assert.ok(createSchemaRegistry(loadConfig({}, PROJECT_DIR)) instanceof FileSchemaRegistry);
  const rest = createSchemaRegistry(
    loadConfig({ SCHEMA_REGISTRY_URL: 'https://user:pw@registry.example:8081/base/' }, PROJECT_DIR),
  );
  assert.ok(rest instanceof RestSchemaRegistry);
  assert.equal(rest.url, 'https://registry.example:8081/base');
});
