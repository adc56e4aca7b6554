import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { loadConfig } from '../../../src/app/config/config.ts';
import { ConfigError } from '../../../src/core/errors.ts';

test('defaults point at the local broker and database', () => {
  const config = loadConfig({}, '/project');
  assert.deepEqual(config.kafka.brokers, ['127.0.0.1:19092']);
  assert.equal(config.kafka.sasl, undefined);
  assert.equal(config.kafka.tls, undefined);
  assert.equal(config.database.schema, 'larr');
  assert.equal(config.database.url.reveal(), 'postgres://postgres@127.0.0.1:5432/postgres');
  assert.equal(config.schemaRegistry.kind, 'file');
  assert.equal(config.embedder.groupId, 'embedder');
});

function configError(settings: Record<string, string>): ConfigError {
  try {
    loadConfig(settings, '/project');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected loadConfig to throw');
}

test('a bad value names the setting, the accepted range and the value', () => {
  const err = configError({ LARR_DB_POOL_SIZE: '0' });
  assert.equal(err.setting, 'LARR_DB_POOL_SIZE');
  assert.match(err.message, /LARR_DB_POOL_SIZE: expected a whole number from 1 to 100, got "0"/);

  assert.match(
    configError({ LARR_KAFKA_BROKERS: 'localhost' }).message,
    /LARR_KAFKA_BROKERS: expected host:port/,
  );
  assert.match(
    configError({ LARR_KAFKA_TLS: 'maybe' }).message,
    /LARR_KAFKA_TLS: expected true or false, got "maybe"/,
  );
  assert.match(configError({ LARR_DB_TLS: 'sometimes' }).message, /one of disable, require, verify-full/);
  assert.match(configError({ LARR_DB_SCHEMA: 'Robert"; drop' }).message, /LARR_DB_SCHEMA/);
  assert.match(
    configError({ LARR_KAFKA_TLS: 'true', LARR_KAFKA_TLS_CA_FILE: '/nope/ca.pem' }).message,
    /LARR_KAFKA_TLS_CA_FILE: cannot read file/,
  );
});

test('SASL needs a username and a password, and the password never prints', () => {
  assert.match(
    configError({ LARR_KAFKA_SASL_MECHANISM: 'scram-sha-512' }).message,
    /LARR_KAFKA_SASL_USERNAME/,
  );
  assert.match(
    configError({ LARR_KAFKA_SASL_MECHANISM: 'scram-sha-512', LARR_KAFKA_SASL_USERNAME: 'svc' }).message,
    /LARR_KAFKA_SASL_PASSWORD/,
  );
  assert.match(
    configError({ LARR_KAFKA_SASL_MECHANISM: 'kerberos' }).message,
    /scram-sha-256, scram-sha-512, plain/,
  );

  const config = loadConfig(
    {
      LARR_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      LARR_KAFKA_SASL_USERNAME: 'svc',
      LARR_KAFKA_SASL_PASSWORD: 'hunter2',
    },
    '/project',
  );
  assert.equal(config.kafka.sasl?.mechanism, 'scram-sha-256');
  assert.equal(config.kafka.sasl?.password.reveal(), 'hunter2');
  for (const text of [
    JSON.stringify(config),
    inspect(config, { depth: 10 }),
    String(config.kafka.sasl?.password),
  ]) {
    assert.ok(!text.includes('hunter2'), `password leaked into: ${text.slice(0, 200)}`);
  }
});

test('a database URL with a password is neither echoed on error nor printed', () => {
  const bad = configError({ DATABASE_URL: 'mysql://admin:s3cret@db/x' });
  assert.ok(!bad.message.includes('s3cret'));
  assert.match(bad.message, /DATABASE_URL: expected a URL with scheme postgres: or postgresql:/);

  const config = loadConfig({ DATABASE_URL: 'postgres://admin:s3cret@db:5432/larr' }, '/project');
  assert.ok(!JSON.stringify(config).includes('s3cret'));
  assert.ok(!inspect(config, { depth: 10 }).includes('s3cret'));
});

test('a schema registry URL selects the REST registry', () => {
  const config = loadConfig({ SCHEMA_REGISTRY_URL: 'http://user:pw@registry:8081' }, '/project');
  assert.equal(config.schemaRegistry.kind, 'rest');
  assert.ok(!JSON.stringify(config).includes('pw@'));
});

test('the embedding model defaults to the pretrained encoder; hashing uses LARR_EMBEDDING_DIM', () => {
  assert.deepEqual(loadConfig({}, '/project').embeddingModel, {
    kind: 'pretrained',
    name: 'e5-small-v2',
    dir: undefined,
    provider: 'auto',
    batchSize: 64,
    projection: 0,
  });
  assert.deepEqual(
    loadConfig(
      {
        LARR_PRETRAINED_MODEL: 'all-minilm-l6-v2-q',
        LARR_EMBEDDER_MODEL_DIR: '/models/e5',
        LARR_ORT_PROVIDER: 'cpu',
        LARR_EMBEDDER_PROJECTION: '100',
      },
      '/project',
    ).embeddingModel,
    {
      kind: 'pretrained',
      name: 'all-minilm-l6-v2-q',
      dir: '/models/e5',
      provider: 'cpu',
      batchSize: 64,
      projection: 100,
    },
  );
  assert.deepEqual(
    loadConfig({ LARR_EMBEDDER: 'hashing', LARR_EMBEDDING_DIM: '64' }, '/project').embeddingModel,
    { kind: 'hashing', dimension: 64 },
  );
  assert.match(configError({ LARR_ORT_PROVIDER: 'gpu' }).message, /^LARR_ORT_PROVIDER: expected one of/);
  assert.match(configError({ LARR_PRETRAINED_MODEL: '../x' }).message, /^LARR_PRETRAINED_MODEL: /);
});

test('LARR_EMBEDDER=http needs a URL and a model; the API key never prints', () => {
  assert.match(
    configError({ LARR_EMBEDDER: 'http' }).message,
    /^LARR_EMBEDDER_URL: is required when LARR_EMBEDDER is http/,
  );
  assert.match(
    configError({ LARR_EMBEDDER: 'http', LARR_EMBEDDER_URL: 'http://vllm:8000' }).message,
    /^LARR_EMBEDDER_MODEL: is required/,
  );
  assert.match(
    configError({ LARR_EMBEDDER: 'http', LARR_EMBEDDER_URL: 'grpc://vllm:8000', LARR_EMBEDDER_MODEL: 'm' })
      .message,
    /^LARR_EMBEDDER_URL: expected a URL with scheme http: or https:/,
  );
  const config = loadConfig(
    {
      LARR_EMBEDDER: 'HTTP',
      LARR_EMBEDDER_URL: 'http://vllm:8000/v1',
      LARR_EMBEDDER_MODEL: 'bge-small',
      LARR_EMBEDDER_API_KEY: 'sk-hunter2',
      LARR_EMBEDDER_BATCH: '32',
      LARR_EMBEDDER_TIMEOUT_MS: '5000',
      LARR_EMBEDDER_MAX_IN_FLIGHT: '2',
      LARR_EMBEDDER_DIMENSION: '384',
      LARR_EMBEDDER_VERSION: 'bge-small-ft-7',
    },
    '/project',
  );
  const model = config.embeddingModel;
  assert.equal(model.kind, 'http');
  if (model.kind !== 'http') return;
  assert.equal(model.url, 'http://vllm:8000/v1');
  assert.equal(model.model, 'bge-small');
  assert.equal(model.apiKey?.reveal(), 'sk-hunter2');
  assert.deepEqual(
    [model.batchSize, model.timeoutMs, model.maxInFlight, model.dimension, model.modelVersion],
    [32, 5000, 2, 384, 'bge-small-ft-7'],
  );
  for (const text of [JSON.stringify(config), inspect(config, { depth: 10 })]) {
    assert.ok(!text.includes('hunter2'), `API key leaked into: ${text.slice(0, 200)}`);
  }
});

test('embedding model settings are validated whichever kind is chosen', () => {
  assert.match(
    configError({ LARR_EMBEDDER: 'onnx' }).message,
    /^LARR_EMBEDDER: expected one of pretrained, hashing, http, got "onnx"/,
  );
  assert.match(
    configError({ LARR_EMBEDDER_BATCH: '0' }).message,
    /^LARR_EMBEDDER_BATCH: expected a whole number from 1/,
  );
  assert.match(configError({ LARR_EMBEDDER_TIMEOUT_MS: 'soon' }).message, /^LARR_EMBEDDER_TIMEOUT_MS/);
  assert.match(configError({ LARR_EMBEDDER_MAX_IN_FLIGHT: '5000' }).message, /^LARR_EMBEDDER_MAX_IN_FLIGHT/);
});

test('the removed checkpoint embedder stops start-up saying what to set instead', () => {
  for (const value of ['checkpoint', 'Checkpoint']) {
    const error = configError({ LARR_EMBEDDER: value });
    assert.ok(error instanceof ConfigError);
    assert.equal(error.setting, 'LARR_EMBEDDER');
    assert.ok(error.message.startsWith(`LARR_EMBEDDER: "${value}" is no longer supported`), error.message);
    assert.match(error.message, /use LARR_EMBEDDER=pretrained with LARR_EMBEDDER_MODEL_DIR=<folder>/);
  }
  // The old kind's folder setting is refused whatever LARR_EMBEDDER says, never ignored.
  for (const settings of [
    { LARR_EMBEDDER_CHECKPOINT: '/models/lm-3f2a' } as Record<string, string>,
    { LARR_EMBEDDER: 'pretrained', LARR_EMBEDDER_CHECKPOINT: '/models/lm-3f2a' },
  ]) {
    const error = configError(settings);
    assert.ok(error instanceof ConfigError);
    assert.equal(error.setting, 'LARR_EMBEDDER_CHECKPOINT');
    assert.match(error.message, /^LARR_EMBEDDER_CHECKPOINT: is no longer read .*got "\/models\/lm-3f2a"/);
    assert.match(error.message, /use LARR_EMBEDDER=pretrained with LARR_EMBEDDER_MODEL_DIR=<folder>/);
  }
});
