import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  finiteRuns,
  hasFinitePoint,
  lineChart,
  type LineSeries,
} from '../../../../src/tools/report/plot/line-chart.ts';

const t0 = Date.parse('2024-06-01T12:00:00Z');
const minute = 60_000;

function series(name: string, ys: number[], extra: Partial<LineSeries> = {}): LineSeries {
  return { name, color: '#123456', points: ys.map((y, index) => ({ x: t0 + index * minute, y })), ...extra };
}

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;

test('a line chart draws one path and one marker per point, with axes and a legend', () => {
  const svg = lineChart({
    title: 'AUC over time',
    series: [series('larr-ctr (LARR)', [0.66, 0.7, 0.74, 0.76])],
    x: { kind: 'time', label: 'window end (UTC)' },
    y: { label: 'AUC' },
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 760 \d+"/);
  assert.equal(count(svg, /class="mark line"/g), 1);
  assert.equal(count(svg, /class="mark point"/g), 4);
  // y ticks cover the data on nice steps; x ticks are minutes.
  for (const tick of ['0.66', '0.68', '0.70', '0.72', '0.74', '0.76'])
    assert.ok(svg.includes(`>${tick}</text>`), tick);
  assert.ok(svg.includes('>12:01:00</text>'));
  assert.ok(svg.includes('>window end (UTC)</text>'));
  assert.ok(svg.includes('>larr-ctr (LARR)</text>'));
  // Tooltips name the series, the value and the time.
  assert.ok(svg.includes('<title>larr-ctr (LARR): 0.74 at 12:02:00</title>'), svg);
});

test('NaN values break the line into runs instead of plotting zeros', () => {
  const svg = lineChart({
    title: 't',
    series: [series('m', [0.7, 0.71, Number.NaN, 0.72, 0.73, Number.NaN, 0.75])],
    x: { kind: 'time', label: 'x' },
    y: { label: 'y' },
  });
  const d = /<path d="([^"]+)"[^>]*class="mark line"/.exec(svg)?.[1] ?? '';
  // Two runs of two points each become two sub-paths; the isolated last point is a marker only.
  assert.equal(count(d, /M/g), 2, d);
  assert.equal(count(d, /L/g), 2, d);
  assert.equal(count(svg, /class="mark point"/g), 5);
  assert.ok(!svg.includes('NaN'));
  assert.deepEqual(
    finiteRuns([
      { x: 1, y: 1 },
      { x: 2, y: Number.NaN },
      { x: 3, y: 3 },
      { x: Number.POSITIVE_INFINITY, y: 1 },
    ]).map((run) => run.length),
    [1, 1],
  );
});

test('a series without any finite value is listed as "no data"; no finite value at all gives a message', () => {
  const mixed = lineChart({
    title: 't',
    series: [series('larr', [0.7, 0.72]), series('baseline', [Number.NaN, Number.NaN], { dashed: true })],
    x: { kind: 'time', label: 'x' },
    y: { label: 'y' },
  });
  assert.ok(mixed.includes('>baseline (no data)</text>'));
  assert.equal(hasFinitePoint(series('b', [Number.NaN])), false);

  const empty = lineChart({
    title: 'AUC over time',
    series: [series('larr', [Number.NaN])],
    x: { kind: 'time', label: 'x' },
    y: { label: 'y' },
    emptyMessage: 'no prequential metrics in this range',
  });
  assert.equal(count(empty, /class="mark/g), 0);
  assert.ok(empty.includes('>no prequential metrics in this range</text>'));
  assert.ok(
    lineChart({ title: 'x', series: [], x: { kind: 'number', label: 'x' }, y: { label: 'y' } }).includes(
      'no data',
    ),
  );
});

test('labels from data are escaped everywhere they appear', () => {
  const hostile = '<img src=x onerror="alert(1)">&';
  const svg = lineChart({
    title: `title ${hostile}`,
    series: [
      series(hostile, [1, 2], {
        points: [
          { x: 1, y: 1, detail: hostile },
          { x: 2, y: 2 },
        ],
      }),
    ],
    x: { kind: 'number', label: hostile },
    y: { label: hostile },
  });
  assert.ok(!svg.includes('<img'), svg);
  assert.ok(!svg.includes('onerror="'), svg);
  assert.ok(svg.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;'));
});

test('a fixed domain keeps its ends; a diagonal chart shares one scale for x and y', () => {
  const rates = lineChart({
    title: 'rates',
    series: [series('hit', [0.2, 0.9])],
    x: { kind: 'time', label: 'x' },
    y: { label: 'share', domain: [0, 1] },
  });
  assert.ok(rates.includes('>0.0</text>') && rates.includes('>1.0</text>'));

  const calibration = lineChart({
    title: 'calibration',
    series: [
      {
        name: 's',
        color: '#000',
        connect: false,
        points: [
          { x: 0.05, y: 0.06 },
          { x: 0.12, y: 0.1 },
        ],
      },
    ],
    x: { kind: 'number', label: 'predicted' },
    y: { label: 'observed' },
    diagonal: true,
  });
  assert.equal(count(calibration, /class="diagonal"/g), 1);
  assert.equal(count(calibration, /class="mark line"/g), 0);
  assert.equal(count(calibration, /class="mark point"/g), 2);
  // The legend shows a dot, not a line, for a points-only series.
  assert.match(calibration, /<g class="legend-item"><circle/);
});
