import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChart } from '../../../../src/tools/report/plot/bar-chart.ts';

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;

test('grouped bars: one bar per finite value, "n/a" for a missing one, escaped categories', () => {
  const svg = barChart({
    title: 'AUC per place kind',
    categories: ['office park', 'café <terrace> & "bar"'],
    series: [
      { name: 'larr', color: '#00f', values: [0.76, Number.NaN] },
      { name: 'baseline', color: '#888', values: [0.7, 0.68], details: ['340 labelled', undefined] },
    ],
    x: { label: 'AUC', domain: [0.5, 1] },
    base: 0.5,
  });
  assert.equal(count(svg, /class="mark bar"/g), 3);
  assert.ok(svg.includes('>larr: n/a</text>'));
  assert.ok(svg.includes('café &lt;terrace&gt; &amp; &quot;bar&quot;'));
  assert.ok(!svg.includes('<terrace>'));
  assert.ok(svg.includes('<title>baseline · office park: 0.700 (340 labelled)</title>'));
  assert.ok(!svg.includes('NaN'));
});

test('bars grow from the base: a value below it points left', () => {
  const svg = barChart({
    title: 't',
    categories: ['worse', 'better'],
    series: [{ name: 'm', color: '#000', values: [0.4, 0.8] }],
    x: { label: 'AUC', domain: [0.3, 1] },
    base: 0.5,
  });
  const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*class="mark bar"/g)].map(
    (match) => ({ x: Number(match[1]), width: Number(match[2]) }),
  );
  const base = Number(/<line x1="([\d.]+)"[^>]*class="bar-base"/.exec(svg)![1]);
  assert.equal(rects.length, 2);
  assert.ok(Math.abs(rects[0]!.x + rects[0]!.width - base) < 0.02, 'the worse bar ends at the base');
  assert.ok(Math.abs(rects[1]!.x - base) < 0.02, 'the better bar starts at the base');
});

test('no categories or no finite value gives the empty message; mismatched lengths are a caller error', () => {
  const empty = barChart({
    title: 't',
    categories: ['a'],
    series: [{ name: 'm', color: '#000', values: [Number.NaN] }],
    x: { label: 'x' },
    emptyMessage: 'no per-slice metrics',
  });
  assert.equal(count(empty, /class="mark/g), 0);
  assert.ok(empty.includes('>no per-slice metrics</text>'));
  assert.throws(
    () =>
      barChart({
        title: 't',
        categories: ['a', 'b'],
        series: [{ name: 'm', color: '#000', values: [1] }],
        x: { label: 'x' },
      }),
    /has 1 values for 2 categories/,
  );
});

test('long category labels are shortened on the axis and kept whole in a tooltip', () => {
  const long = 'a very long scene slice value that would not fit in the label column of the chart at all';
  const svg = barChart({
    title: 't',
    categories: [long],
    series: [{ name: 'm', color: '#000', values: [3] }],
    x: { label: 'x' },
  });
  assert.ok(svg.includes('…'));
  assert.ok(svg.includes(`<title>${long}</title>`));
});
