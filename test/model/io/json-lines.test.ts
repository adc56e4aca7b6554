import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  countLines,
  parseJsonLines,
  readJsonLines,
  readTextLines,
} from '../../../src/model/io/json-lines.ts';

function withFile(text: string, run: (path: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'larr-json-lines-'));
    try {
      const path = join(dir, 'data.jsonl');
      writeFileSync(path, text);
      await run(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'values come with 1-based line numbers; blank lines are skipped but counted; bad lines go to the callback in order',
  withFile('{"a":1}\n\n  \nnot json\nnull\r\n[2]\n{"b":\n3', async (path) => {
    const seen: string[] = [];
    const lines = readJsonLines(path, (text, line, error) => {
      assert.ok(error instanceof SyntaxError);
      seen.push(`bad ${line} ${text}`);
    });
    for await (const { value, line } of lines) seen.push(`${line} ${JSON.stringify(value)}`);
    assert.deepEqual(seen, ['1 {"a":1}', 'bad 4 not json', '5 null', '6 [2]', 'bad 7 {"b":', '8 3']);
  }),
);

test(
  'a callback that throws ends the iteration with its error',
  withFile('{"a":1}\nnope\n{"a":2}\n', async (path) => {
    const values: unknown[] = [];
    await assert.rejects(async () => {
      const lines = readJsonLines(path, (_text, line) => {
        throw new Error(`line ${line} is bad`);
      });
      for await (const { value } of lines) values.push(value);
    }, /line 2 is bad/);
    assert.deepEqual(values, [{ a: 1 }]);
  }),
);

test(
  'readTextLines keeps blank lines and CRLF endings become plain lines',
  withFile('a\r\n\nb\n', async (path) => {
    const lines: string[] = [];
    for await (const line of readTextLines(path)) lines.push(line);
    assert.deepEqual(lines, ['a', '', 'b']);
  }),
);

test('a missing file rejects with the stream error (ENOENT)', async () => {
  const path = join(tmpdir(), 'larr-json-lines-missing', 'none.jsonl');
  await assert.rejects(
    async () => {
      for await (const line of readJsonLines(path, () => {})) assert.ok(line);
    },
    (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
  );
});

test('parseJsonLines reads any iterable of texts', async () => {
  const bad: number[] = [];
  const values: unknown[] = [];
  for await (const { value } of parseJsonLines(['1', '', 'x', '"y"'], (_text, line) => bad.push(line))) {
    values.push(value);
  }
  assert.deepEqual(values, [1, 'y']);
  assert.deepEqual(bad, [3]);
});

test('countLines passes every line through and counts blank and bad ones too', async () => {
  const read = { lines: 0 };
  const values: unknown[] = [];
  const bad: number[] = [];
  for await (const { value } of parseJsonLines(countLines(['1', '', 'x', '{"a":2}', ''], read), (_t, line) =>
    bad.push(line),
  )) {
    values.push(value);
  }
  assert.deepEqual(values, [1, { a: 2 }]);
  assert.deepEqual(bad, [3]);
  assert.equal(read.lines, 5);
});
