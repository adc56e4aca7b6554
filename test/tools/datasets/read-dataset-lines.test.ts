import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readDatasetLines } from '../../../src/tools/datasets/read-dataset-lines.ts';
import { tinyDatasetLines } from '../../model/ctr/fixtures.ts';

test('reads every DatasetLine in file order and skips blank lines', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'larr-lines-'));
  const path = join(dir, 'data.jsonl');
  const texts = tinyDatasetLines(5);
  await writeFile(path, `${texts[0]}\n\n${texts.slice(1).join('\n')}\n   \n`);
  const ids: string[] = [];
  for await (const line of readDatasetLines(path)) ids.push(line.event.eventId);
  assert.deepEqual(ids, ['e0', 'e1', 'e2', 'e3', 'e4']);
});

test('a line that is not JSON throws', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'larr-lines-'));
  const path = join(dir, 'bad.jsonl');
  await writeFile(path, '{"event":\n');
  await assert.rejects(async () => {
    for await (const line of readDatasetLines(path)) assert.ok(line);
  }, SyntaxError);
});
