import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LineSink } from '../../../src/model/io/line-sink.ts';

test('writes lines into a folder it creates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'larr-sink-'));
  try {
    const sink = new LineSink(join(dir, 'a', 'b', 'out.jsonl'));
    for (let i = 0; i < 3; i++) await sink.write(`{"i":${i}}`);
    await sink.close();
    assert.equal(readFileSync(join(dir, 'a', 'b', 'out.jsonl'), 'utf8'), '{"i":0}\n{"i":1}\n{"i":2}\n');
    assert.equal(sink.lines, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a path that cannot be written is an error naming it, not a crash', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'larr-sink-'));
  try {
    writeFileSync(join(dir, 'file'), 'x');
    assert.throws(
      () => new LineSink(join(dir, 'file', 'out.jsonl')),
      /cannot create the folder of .*file\/out\.jsonl/,
    );
    const sink = new LineSink(dir); // a folder, not a file: the open fails asynchronously
    await assert.rejects(
      (async () => {
        await sink.write('x');
        await sink.close();
      })(),
      /cannot write/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
