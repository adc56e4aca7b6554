import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDemoTable, type DemoTableInput } from '../../../src/app/demo/demo-table.ts';
import type { FamilyQuality } from '../../../src/app/demo/score-collector.ts';

const quality = (family: string, auc: number, impressions = 100): FamilyQuality => ({
  family,
  scored: impressions,
  bySplit: new Map([
    ['unseen', { auc, logLoss: 0.2, impressions }],
    ['all', { auc, logLoss: 0.2, impressions }],
  ]),
});

function input(overrides: Partial<DemoTableInput> = {}): DemoTableInput {
  return {
    baseline: quality('base', 0.6),
    larr: quality('larr', 0.65),
    events: 100,
    impressions: 1000,
    seconds: 4,
    embedder: {
      recordsIn: 100,
      recordsOut: 100,
      deadLetters: 0,
      lruHits: 50,
      storeHits: 25,
      coalesced: 0,
      embedderTexts: 25,
      embedderCalls: 1,
      sceneCacheHits: 10,
      sceneCacheMisses: 90,
    },
    summary: { schema: 's', range: null, models: [], aucLift: Number.NaN, stages: [], deadLetters: 0 },
    publications: { registered: 2, announced: 1, queued: 0 },
    deadLetters: 3,
    malformed: 3,
    ...overrides,
  };
}

test('the table shows the AUC lift per period, throughput and hit rates', () => {
  const { lines, problems } = formatDemoTable(input());
  const text = lines.join('\n');
  assert.deepEqual(problems, []);
  assert.match(text, /AUC {2}LARR − baseline\s+n\/a\s+n\/a\s+\+0\.050\s+\+0\.050/);
  assert.match(text, /throughput\s+25 events\/s/);
  assert.match(text, /embedding cache\s+75\.0 % of 100 field lookups hit/);
  assert.match(text, /scene cache\s+10\.0 % of 100 scenes/);
  assert.match(text, /p99 latency .* n\/a ms/);
});

test('missing dead letters and a scorer that scored nothing are problems', () => {
  const { problems } = formatDemoTable(input({ deadLetters: 1, larr: quality('larr', 0.5, 0) }));
  assert.equal(problems.length, 2);
  assert.match(problems[0]!, /3 malformed records but 1 dead letters/);
});
