/**
 * The sections on the pipeline stages: end-to-end latency (histograms and percentiles), throughput, cache
 * hit rates, consumer lag, and dead letters; one colour per stage.
 */
import { barChart } from './plot/bar-chart.ts';
import { histogram } from './plot/histogram.ts';
import { lineChart, type LineSeries } from './plot/line-chart.ts';
import { escapeXml } from './plot/svg.ts';
import type { ReportData, StagePoint } from './report-data.ts';
import { count, formatMs, shorten } from './format.ts';
import { table } from './page-shell.ts';
import { stageColor, timeAxis, type Plot } from './plot-style.ts';
import { ratio, stageOrder } from './summary.ts';

export function latencySection(data: ReportData, plot: Plot): string {
  const stages = stageNames(data);
  const parts: string[] = [];
  stages.forEach((stage, index) => {
    const all = data.latency.filter((bucket) => bucket.stage === stage).sort((a, b) => a.bucket - b.bucket);
    // Only the buckets around the counted ones (one empty bucket either side), so the shape is readable.
    const counted = all.filter((bucket) => bucket.records > 0).map((bucket) => bucket.bucket);
    const buckets =
      counted.length === 0
        ? all
        : all.filter(
            (bucket) =>
              bucket.bucket >= Math.min(...counted) - 1 && bucket.bucket <= Math.max(...counted) + 1,
          );
    const produced = data.stages.some((point) => point.stage === stage && point.recordsOut > 0);
    if (buckets.length === 0) {
      if (produced) {
        parts.push(
          `<p class="note">Stage <code>${escapeXml(stage)}</code> wrote no latency histogram counts in this range ` +
            '(rows from before migration 005 or a writer without them): only its percentile series below.</p>',
        );
      }
      return;
    }
    const last = buckets.at(-1)!;
    const title = `Produce → output latency histogram: ${stage}`;
    parts.push(
      plot(
        title,
        histogram({
          title,
          bins: buckets.map((bucket) => ({
            lowerLabel: formatMs(bucket.lowerMs),
            range:
              bucket.upperMs === null
                ? `≥ ${formatMs(bucket.lowerMs)}`
                : `[${formatMs(bucket.lowerMs)}, ${formatMs(bucket.upperMs)})`,
            count: bucket.records,
          })),
          lastEdge: last.upperMs === null ? '∞' : formatMs(last.upperMs),
          color: stageColor(stage, index),
          xLabel: 'end-to-end latency (log-spaced buckets, powers of two)',
          yLabel: 'output records',
          emptyMessage: `no output records of ${stage} in this range`,
        }),
      ),
    );
  });
  if (stages.length === 0) parts.push('<p class="note">No stage metrics in this range.</p>');
  const percentiles: LineSeries[] = stages.flatMap((stage, index) => {
    const points = data.stages.filter((point) => point.stage === stage);
    return [
      {
        name: `${stage} p99`,
        color: stageColor(stage, index),
        points: points.map((point) => ({ x: point.at, y: ratio(point.e2eP99Sum, point.e2eWeight) })),
      },
      {
        name: `${stage} p50`,
        color: stageColor(stage, index),
        dash: '2 3',
        points: points.map((point) => ({ x: point.at, y: ratio(point.e2eP50Sum, point.e2eWeight) })),
      },
    ];
  });
  const percentilePlot = plot(
    'Latency percentiles over time',
    lineChart({
      title: 'Latency percentiles over time',
      series: percentiles,
      x: timeAxis(data),
      y: { label: 'ms', includeZero: true },
      emptyMessage: 'no stage produced output in this range',
    }),
  );
  return `<section id="latency">
<h2>Latency</h2>
<p>Produce → output latency of every output record: Kafka timestamp of the input to the output committed.
The histograms count every record exactly (fixed log-spaced buckets in <code>stage_metrics.e2e_ms_buckets</code>),
summed over windows and instances. The series below are the windows' p50 / p99 (exact per window, up to
4096 samples, then sampled), averaged per bucket with output records as weights.</p>
${parts.join('\n')}
${percentilePlot}
</section>`;
}

function stageNames(data: ReportData): string[] {
  return [
    ...new Set([...data.stages.map((point) => point.stage), ...data.latency.map((row) => row.stage)]),
  ].sort(stageOrder);
}

export function throughputSection(data: ReportData, plot: Plot): string {
  const stages = stageNames(data);
  const series = (
    value: (point: StagePoint) => number,
    label: (stage: string) => string = (stage) => stage,
  ) =>
    stages.map((stage, index) => ({
      name: label(stage),
      color: stageColor(stage, index),
      points: data.stages
        .filter((point) => point.stage === stage)
        .map((point) => ({ x: point.at, y: value(point) })),
    }));
  const cacheStages = stages.filter((stage) =>
    data.stages.some((point) => point.stage === stage && point.lookups > 0),
  );
  const levels = [
    { name: 'LRU hit', color: '#16a34a', dash: undefined, pick: (point: StagePoint) => point.lruHits },
    { name: 'coalesced', color: '#a16207', dash: '2 3', pick: (point: StagePoint) => point.coalesced },
    { name: 'store hit', color: '#2563eb', dash: undefined, pick: (point: StagePoint) => point.storeHits },
    {
      name: 'any cache (1 − model miss)',
      color: '#111827',
      dash: '6 4',
      pick: (point: StagePoint) => point.lookups - point.embedderTexts,
    },
  ];
  const cache: LineSeries[] = cacheStages.flatMap((stage) =>
    levels.map((level) => ({
      name: cacheStages.length > 1 ? `${stage} ${level.name}` : level.name,
      color: level.color,
      ...(level.dash === undefined ? {} : { dash: level.dash }),
      points: data.stages
        .filter((point) => point.stage === stage)
        .map((point) => ({
          x: point.at,
          y: ratio(level.pick(point), point.lookups),
          detail: `${count(point.lookups)} lookups`,
        })),
    })),
  );
  // The scene-vector cache (LARR_AGGREGATOR=agg) has its own denominator: scenes, not field lookups.
  const sceneStages = stages.filter((stage) =>
    data.stages.some((point) => point.stage === stage && point.sceneCacheHits + point.sceneCacheMisses > 0),
  );
  for (const stage of sceneStages) {
    cache.push({
      name:
        cacheStages.length > 1 || sceneStages.length > 1
          ? `${stage} scene cache hit`
          : 'scene cache hit (of scenes)',
      color: '#7c3aed',
      points: data.stages
        .filter((point) => point.stage === stage)
        .map((point) => {
          const scenes = point.sceneCacheHits + point.sceneCacheMisses;
          return { x: point.at, y: ratio(point.sceneCacheHits, scenes), detail: `${count(scenes)} scenes` };
        }),
    });
  }
  const rate = (point: StagePoint) =>
    point.lastEnd > point.firstStart
      ? point.recordsIn / ((point.lastEnd - point.firstStart) / 1000)
      : Number.NaN;
  const ratePlot = plot(
    'Events per second',
    lineChart({
      title: 'Events per second',
      series: series(rate),
      x: timeAxis(data),
      y: { label: 'records in / s', includeZero: true },
      emptyMessage: 'no stage metrics in this range',
    }),
  );
  const cachePlot = plot(
    'Cache hit rate over time',
    lineChart({
      title: 'Cache hit rate over time',
      series: cache,
      x: timeAxis(data),
      y: { label: sceneStages.length > 0 ? 'share of lookups (scenes)' : 'share of lookups', domain: [0, 1] },
      emptyMessage: 'no embedding lookups in this range',
    }),
  );
  const lagPlot = plot(
    'Consumer lag',
    lineChart({
      title: 'Consumer lag',
      series: series((point) => point.consumerLag ?? Number.NaN),
      x: timeAxis(data),
      y: { label: 'messages behind', includeZero: true },
      emptyMessage: 'no stage reported consumer lag in this range',
    }),
  );
  return `<section id="throughput">
<h2>Throughput, caches and lag</h2>
<p>Records consumed per second (all instances of a stage, over the time their windows span), the share of
embedding lookups each cache level served (and, with the [AGG] encoder, the share of scene vectors the scene
cache served without an encoder pass), and consumer lag (per bucket: the largest lag each instance
reported, summed over instances).</p>
${ratePlot}
${cachePlot}
${lagPlot}
</section>`;
}

export function deadLetterSection(data: ReportData, plot: Plot): string {
  const reasons = [...new Set(data.deadLetters.map((row) => row.reasonCode))];
  const stages = [...new Set(data.deadLetters.map((row) => row.stage))].sort(stageOrder);
  const total = data.deadLetters.reduce((sum, row) => sum + row.count, 0);
  if (total === 0) {
    return `<section id="dead-letters">
<h2>Dead letters</h2>
<p class="note">No dead letters in this range: every record consumed was processed.</p>
</section>`;
  }
  const chart = barChart({
    title: 'Dead letters by reason',
    categories: reasons,
    series: stages.map((stage, index) => ({
      name: stage,
      color: stageColor(stage, index),
      values: reasons.map(
        (reason) =>
          data.deadLetters.find((row) => row.stage === stage && row.reasonCode === reason)?.count ?? 0,
      ),
    })),
    x: { label: 'records dead-lettered' },
  });
  return `<section id="dead-letters">
<h2>Dead letters</h2>
<p>${count(total)} records went to the dead-letter topic, by stage and reason code, with the latest message as an example.</p>
${plot('Dead letters by reason', chart)}
${table(
  ['stage', 'reason', 'records', 'latest message'],
  data.deadLetters.map((row) => [
    row.stage,
    row.reasonCode,
    count(row.count),
    shorten(row.latestMessage ?? '', 200),
  ]),
  [false, false, true, false],
)}
</section>`;
}
