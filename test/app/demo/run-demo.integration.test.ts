import assert from 'node:assert/strict';
import { access, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_DEMO_RECIPE } from '../../../src/app/demo/demo-models.ts';
import { runDemo } from '../../../src/app/demo/run-demo.ts';
import { createTestPipeline } from '../../helpers/pipeline.ts';

/**
 * The whole demo at a tiny size: stage-3 models warm-started on the real pretrained encoder into a fresh cache, the later periods
 * streamed through the embedder and both scorer groups, every impression scored by both, every malformed
 * record dead-lettered, the report written. A second run reuses every cached model step.
 */
test('the demo streams through both groups, scores every impression twice and writes the report', async () => {
  const pipeline = await createTestPipeline();
  const dir = await mkdtemp(join(tmpdir(), 'larr-demo-'));
  const recipe = {
    ...DEFAULT_DEMO_RECIPE,
    events: 400,
    contrastiveSteps: 2,
    contrastiveBatch: 4,
    alignEpochs: 1,
  };
  const lines: string[] = [];
  try {
    const options = {
      recipe,
      rate: 0,
      startBroker: false,
      keepTopics: false,
      reportPath: join(dir, 'report.html'),
      cacheRoot: join(dir, 'cache'),
      timeoutMs: 300_000,
      out: (line: string) => lines.push(line),
      log: () => undefined,
    };
    const result = await runDemo(pipeline.config, options);
    await access(result.reportPath);
    const text = lines.join('\n');
    assert.match(text, /AUC {2}scene-value-ID LR \(baseline\)/);
    assert.match(text, /AUC {2}LARR online/);
    assert.match(text, /dead letters\s+(\d+) \(\1 malformed records sent\)/);
    assert.match(text, /models .*reused: none/);
    assert.deepEqual(result.table.problems, []);

    lines.length = 0;
    await runDemo(pipeline.config, options);
    assert.match(lines.join('\n'), /models .*all reused/);
  } finally {
    await pipeline.cleanup();
  }
});
