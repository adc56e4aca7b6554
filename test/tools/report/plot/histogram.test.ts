import assert from 'node:assert/strict';
import { test } from 'node:test';
import { histogram, type HistogramBin } from '../../../../src/tools/report/plot/histogram.ts';

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;
const bins = (counts: number[]): HistogramBin[] =>
  counts.map((value, index) => ({
    lowerLabel: `${2 ** index}ms`,
    range: `[${2 ** index}, ${2 ** (index + 1)}) ms`,
    count: value,
  }));

test('one bar per non-empty bin, every edge labelled, tooltips with the share', () => {
  const svg = histogram({
    title: 'latency',
    bins: bins([0, 30, 60, 10, Number.NaN]),
    lastEdge: '32ms',
    color: '#f00',
    xLabel: 'latency',
    yLabel: 'records',
  });
  assert.equal(count(svg, /class="mark bar"/g), 3);
  for (const edge of ['1ms', '2ms', '4ms', '8ms', '16ms', '32ms'])
    assert.ok(svg.includes(`>${edge}</text>`), edge);
  assert.ok(svg.includes('<title>[4, 8) ms: 60 (60.0 %)</title>'));
  assert.ok(!svg.includes('NaN'));
  // The tallest bar reaches the top tick.
  assert.ok(svg.includes('>60</text>'));
});

test('all-empty bins give the empty message, not an empty axis', () => {
  const svg = histogram({
    title: 'latency',
    bins: bins([0, 0]),
    lastEdge: '4ms',
    color: '#f00',
    xLabel: 'x',
    yLabel: 'y',
    emptyMessage: 'no output records',
  });
  assert.equal(count(svg, /class="mark/g), 0);
  assert.ok(svg.includes('>no output records</text>'));
});
