import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../../../src/app/config/config.ts';
import { PgModelRegistry } from '../../../src/adapters/postgres/model-registry.ts';
import { createScorerModel } from '../../../src/app/compose/create-scorer-model.ts';
import {
  FRESH_LEARNING_RATE,
  LarrOnlineModel,
  WARM_START_LEARNING_RATE,
} from '../../../src/model/ctr/online/larr-online-model.ts';
import { VersionedLarrModel } from '../../../src/pipeline/scorer/online-versioning.ts';
import { VersionPublisher } from '../../../src/pipeline/scorer/version-publisher.ts';
import { createTestSchema, type TestSchema } from '../../helpers/database.ts';
import { PROJECT_DIR } from '../../helpers/pipeline.ts';
import { useWasm } from '../../model/text-encoder/helpers.ts';
import { smallParts, syntheticExamples } from '../../pipeline/scorer/synthetic-scenes.ts';

let database: TestSchema;
let folder: string;
before(async () => {
  await useWasm();
  database = await createTestSchema({ migrated: true });
  folder = await mkdtemp(join(tmpdir(), 'larr-scorer-init-'));
});
after(async () => {
  await database.drop();
  await rm(folder, { recursive: true, force: true });
});

const quiet = () => undefined;
const modelConfig = (settings: Record<string, string>) =>
  loadConfig({ LARR_SCORER_MODEL: 'larr', ...settings }, PROJECT_DIR).scorer.model;
const noProducer = {
  send: () => Promise.reject(new Error('nothing is announced in this test')),
};

test('warm start from a larr align folder, then from the registered version its root was published as', async () => {
  const { encoder, ctr } = smallParts(4);
  await encoder.save(join(folder, 'encoder'));
  await ctr.save(join(folder, 'ctr'));
  const savedEncoder = encoder.version;
  encoder.dispose();
  ctr.dispose();

  const registry = new PgModelRegistry(database.pool);
  const fromFolder = await createScorerModel(modelConfig({ LARR_SCORER_INIT: folder }), {
    registry,
    log: quiet,
  });
  const versioned = fromFolder.versioned!;
  let rootVersion: string;
  try {
    assert.equal(fromFolder.model, versioned);
    assert.equal(versioned.model.encoder?.version, savedEncoder);
    // A warm start fine-tunes at the small rate unless LARR_SCORER_LEARNING_RATE says otherwise.
    assert.equal(versioned.model.learningRate, WARM_START_LEARNING_RATE);
    assert.match(fromFolder.origin, /warm start from folder .*, learning rate 0\.0001$/);
    // The first update registers the warm start as the (unannounced) root of the lineage.
    await versioned.update(syntheticExamples(4, 1));
    const publications = versioned.takePublications();
    assert.deepEqual(
      publications.map((p) => [p.role, p.announce]),
      [['root', false]],
    );
    rootVersion = publications[0]!.ctr.version;
    const publisher = new VersionPublisher(
      {
        registry,
        producer: noProducer,
        topic: 'unused',
        encodeUpdate: () => Promise.resolve(Buffer.alloc(0)),
      },
      quiet,
    );
    publisher.enqueue(publications);
    await publisher.flush();
    assert.equal((await registry.get(rootVersion))?.kind, 'ctr');
    assert.equal((await registry.get(savedEncoder))?.kind, 'encoder');
  } finally {
    versioned.dispose();
  }

  const fromRegistry = await createScorerModel(modelConfig({ LARR_SCORER_INIT: rootVersion }), {
    registry,
    log: quiet,
  });
  try {
    const model = fromRegistry.versioned!;
    assert.equal(model.model.encoder?.version, savedEncoder);
    assert.equal(model.model.learningRate, WARM_START_LEARNING_RATE);
    assert.equal(model.version, rootVersion, 'the same content version: config, encoder and weights agree');
    await model.update(syntheticExamples(4, 1));
    assert.deepEqual(model.takePublications(), [], 'a registered start is not published again');
  } finally {
    fromRegistry.versioned!.dispose();
  }

  await assert.rejects(
    createScorerModel(modelConfig({ LARR_SCORER_INIT: 'larr-ctr-000000000000' }), { registry, log: quiet }),
    /LARR_SCORER_INIT=larr-ctr-000000000000: neither a folder nor a registered model version/,
  );
  await assert.rejects(
    createScorerModel(modelConfig({ LARR_SCORER_INIT: savedEncoder }), { registry, log: quiet }),
    /a model version of kind encoder; expected a CTR version/,
  );
});

test('a fresh model states its seed and leaks nothing once disposed', async () => {
  const before = tf.memory().numTensors;
  const created = await createScorerModel(modelConfig({ LARR_SCORER_SEED: '9' }), {
    registry: new PgModelRegistry(database.pool),
    log: quiet,
  });
  assert.match(created.origin, /fresh \(seed 9.*, learning rate 0\.001$/);
  assert.equal(created.versioned?.model.learningRate, FRESH_LEARNING_RATE);
  assert.ok(created.versioned?.model instanceof LarrOnlineModel);
  assert.ok(created.model instanceof VersionedLarrModel);
  await created.model.update(syntheticExamples(4, 1));
  created.versioned?.dispose();
  const explicit = await createScorerModel(modelConfig({ LARR_SCORER_LEARNING_RATE: '0.002' }), {
    registry: new PgModelRegistry(database.pool),
    log: quiet,
  });
  assert.equal(explicit.versioned?.model.learningRate, 0.002, 'a set rate wins over the default');
  explicit.versioned?.dispose();
  assert.equal(tf.memory().numTensors, before);
});
