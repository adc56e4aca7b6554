import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { LarrError } from '../../../src/core/errors.ts';
import type { SchemaRegistry } from '../../../src/adapters/avro/registry.ts';
import { createStageCodecs } from '../../../src/adapters/avro/stage-codecs.ts';
import { SUBJECTS } from '../../../src/adapters/avro/subjects.ts';

const projectDir = fileURLToPath(new URL('../../..', import.meta.url));

/** A registry that knows every subject except `missing`, and notes which writer ids were asked for. */
function fakeRegistry(missing?: string): SchemaRegistry & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    idFor: async (subject) => {
      asked.push(subject);
      if (subject === missing) throw new LarrError('SCHEMA_NOT_PINNED', `${subject} is not pinned`);
      return 7;
    },
    schemaById: async () => {
      throw new Error('not used');
    },
    latest: async () => {
      throw new Error('not used');
    },
  };
}

test('stage codecs come under the names given, with writer ids resolved for the written subjects only', async () => {
  const registry = fakeRegistry();
  const codecs = await createStageCodecs({ projectDir }, registry, {
    reads: { impressions: SUBJECTS.impression },
    writes: { ctrScores: SUBJECTS.ctrScore, deadLetters: SUBJECTS.deadLetter },
  });
  assert.deepEqual(Object.keys(codecs).sort(), ['ctrScores', 'deadLetters', 'impressions']);
  assert.equal(codecs.impressions.subject, SUBJECTS.impression);
  assert.equal(codecs.ctrScores.subject, SUBJECTS.ctrScore);
  assert.deepEqual(registry.asked.sort(), [SUBJECTS.ctrScore, SUBJECTS.deadLetter].sort());
});

test('a written subject without a writer id stops start-up', async () => {
  await assert.rejects(
    createStageCodecs({ projectDir }, fakeRegistry(SUBJECTS.deadLetter), {
      reads: {},
      writes: { deadLetters: SUBJECTS.deadLetter },
    }),
    /dev\.larr\.DeadLetter is not pinned/,
  );
});
