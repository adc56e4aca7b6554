import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReport } from '../../../src/tools/report/render-report.ts';
import { fixtureData } from './fixture.ts';

const count = (html: string, pattern: RegExp) => (html.match(pattern) ?? []).length;

test('a report with data has the header, the summary and every plot, each an inline SVG with marks', () => {
  const { html, plots, summary } = renderReport(fixtureData());
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes('2024-06-01 12:00:00Z → 2024-06-01 12:02:00Z (2 min; points are 1 min buckets)'));
  for (const version of ['ids-scene-lr-baseline-v1', 'larr-ctr-0a1b2c3d4e5f', 'larr-ctr-9f8e7d6c5b4a']) {
    assert.ok(html.includes(`<td>${version}</td>`), version);
  }
  assert.ok(html.includes('<td>AUC LARR − baseline</td><td class="num">+0.0650</td>'));
  assert.equal(summary.models.length, 2);
  assert.deepEqual(plots, [
    'AUC over time',
    'Log-loss over time',
    'Predicted vs observed CTR over time',
    'Predicted vs observed CTR per scene slice',
    'AUC per weather × meal slot',
    'AUC per place kind',
    'Produce → output latency histogram: embedder',
    'Latency percentiles over time',
    'Events per second',
    'Cache hit rate over time',
    'Consumer lag',
    'Dead letters by reason',
  ]);
  assert.equal(count(html, /<svg /g), plots.length);
  // The baseline is drawn dashed and named as the baseline in every legend.
  assert.ok(html.includes('>ids-scene-lr-baseline (baseline)</text>'));
  assert.ok(html.includes('>larr-ctr (LARR)</text>'));
  // The scorer wrote no histogram counts: the page says so instead of drawing an empty histogram.
  assert.ok(html.includes('Stage <code>scorer</code> wrote no latency histogram counts'));
});

test('the page is self-contained: no script, no external reference, a CSP that forbids loading anything', () => {
  const { html } = renderReport(fixtureData());
  assert.ok(!/<script/i.test(html));
  assert.ok(!/\s(src|href)=/i.test(html), 'no src or href attribute');
  assert.ok(!/url\((?!#)/i.test(html), 'no CSS url() but fragment references');
  assert.deepEqual(
    [...new Set(html.match(/https?:\/\/[^\s"'<>]+/g) ?? [])],
    ['http://www.w3.org/2000/svg'],
    'the only URL is the SVG namespace',
  );
  assert.ok(html.includes(`content="default-src 'none'; style-src 'unsafe-inline'"`));
});

test('labels from the database are escaped in tables and plots', () => {
  const hostile = '<img src="http://127.0.0.1:9/x.png">&';
  const data = fixtureData();
  const { html } = renderReport({
    ...data,
    schema: 'larr',
    models: [...data.models, { ...data.models[0]!, ctrModel: hostile, family: hostile, role: 'other' }],
    prequential: [...data.prequential, { ...data.prequential[0]!, family: hostile, role: 'other' }],
    slices: [...data.slices, { ...data.slices[0]!, sliceValue: hostile }],
    deadLetters: [{ stage: hostile, reasonCode: hostile, count: 2, latestMessage: hostile }],
  });
  assert.ok(!html.includes('<img'), 'no raw tag from data');
  assert.ok(html.includes('&lt;img src=&quot;http://127.0.0.1:9/x.png&quot;&gt;&amp;'));
});

test('no data at all: a page that says what is missing, and no plot', () => {
  const { html, plots } = renderReport(
    fixtureData({
      range: null,
      models: [],
      prequential: [],
      slices: [],
      stages: [],
      latency: [],
      deadLetters: [],
      since: new Date('2024-06-01T11:00:00Z'),
    }),
  );
  assert.deepEqual(plots, []);
  assert.equal(count(html, /<svg /g), 0);
  assert.ok(html.includes('<h2>No metrics to report</h2>'));
  assert.ok(html.includes('since 2024-06-01 11:00:00Z'));
  for (const table of ['prequential_metrics', 'stage_metrics', 'dead_letters'])
    assert.ok(html.includes(`<code>${table}</code>`));
  assert.ok(html.includes('widen <code>--since</code>'));
});

test('stage metrics without scorer metrics: the model plots say why they are empty', () => {
  const { html, plots } = renderReport(fixtureData({ models: [], prequential: [], slices: [] }));
  assert.ok(plots.includes('AUC over time'));
  assert.ok(html.includes('>no prequential metrics in this range (is larr scorer run running?)</text>'));
  assert.ok(html.includes('>no per-slice metrics in this range</text>'));
  assert.ok(html.includes('No CTR model has written prequential metrics in this range.'));
});
