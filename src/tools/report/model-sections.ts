/**
 * The sections on the CTR models: prequential AUC and log-loss over time, calibration (over time and per
 * scene slice), and AUC per scene slice; one line or bar per model family.
 */
import { barChart } from './plot/bar-chart.ts';
import { lineChart, type LineSeries } from './plot/line-chart.ts';
import type { PrequentialPoint, ReportData, SliceTotals } from './report-data.ts';
import { count } from './format.ts';
import { timeAxis, type FamilyStyle, type Plot } from './plot-style.ts';
import { addSums, ratio } from './summary.ts';

/** Slices per bar chart; the rest are counted in the caption. */
const MAX_SLICES = 24;

/** One line per model family over time, from the `all` slice (impressions joined with a scene vector). */
function familyLines(
  data: ReportData,
  families: readonly FamilyStyle[],
  value: (point: PrequentialPoint) => number,
): LineSeries[] {
  return families.map((family) => ({
    name: family.label,
    color: family.color,
    dashed: family.dashed,
    points: data.prequential
      .filter((point) => point.family === family.family && point.sliceKind === 'all')
      .map((point) => ({ x: point.at, y: value(point), detail: `${count(point.labelled)} labelled` })),
  }));
}

export function modelQualitySection(data: ReportData, families: readonly FamilyStyle[], plot: Plot): string {
  const empty = 'no prequential metrics in this range (is larr scorer run running?)';
  const auc = familyLines(data, families, (point) => ratio(point.aucSum, point.aucWeight));
  const logloss = familyLines(data, families, (point) => ratio(point.loglossSum, point.loglossWeight));
  const aucPlot = plot(
    'AUC over time',
    lineChart({
      title: 'AUC over time',
      series: auc,
      x: timeAxis(data),
      y: { label: 'AUC' },
      emptyMessage: empty,
    }),
  );
  const loglossPlot = plot(
    'Log-loss over time',
    lineChart({
      title: 'Log-loss over time',
      series: logloss,
      x: timeAxis(data),
      y: { label: 'log-loss' },
      emptyMessage: empty,
    }),
  );
  return `<section id="quality">
<h2>Prequential model quality</h2>
<p>Every labelled impression is scored before the model learns from it (test-then-train). Per time bucket:
the labelled-weighted mean of the scorer windows' AUC (windows with a single class left out, so a gap means
no window had both clicks and non-clicks) and log-loss, over impressions joined with their scene vector.</p>
${aucPlot}
${loglossPlot}
</section>`;
}

export function calibrationSection(data: ReportData, families: readonly FamilyStyle[], plot: Plot): string {
  const overTime: LineSeries[] = families.flatMap((family) => {
    const points = data.prequential.filter(
      (point) => point.family === family.family && point.sliceKind === 'all',
    );
    return [
      {
        name: `${family.label} predicted`,
        color: family.color,
        dashed: family.dashed,
        points: points.map((point) => ({ x: point.at, y: ratio(point.predictedSum, point.predictedWeight) })),
      },
      {
        name: `${family.label} observed`,
        color: family.color,
        dash: '2 3',
        points: points.map((point) => ({
          x: point.at,
          y: ratio(point.clicks, point.labelled),
          detail: `${count(point.clicks)} clicks / ${count(point.labelled)}`,
        })),
      },
    ];
  });
  const bySlice: LineSeries[] = families.map((family) => ({
    name: family.label,
    color: family.color,
    connect: false,
    points: data.slices
      .filter((slice) => slice.family === family.family)
      .map((slice) => ({
        x: ratio(slice.predictedSum, slice.predictedWeight),
        y: ratio(slice.clicks, slice.labelled),
        detail: `${slice.sliceValue}, ${count(slice.labelled)} labelled`,
      })),
  }));
  const overTimePlot = plot(
    'Predicted vs observed CTR over time',
    lineChart({
      title: 'Predicted vs observed CTR over time',
      series: overTime,
      x: timeAxis(data),
      y: { label: 'click rate', includeZero: true },
      emptyMessage: 'no prequential metrics in this range',
    }),
  );
  const bySlicePlot = plot(
    'Predicted vs observed CTR per scene slice',
    lineChart({
      title: 'Predicted vs observed CTR per scene slice',
      series: bySlice,
      x: { kind: 'number', label: 'mean predicted probability' },
      y: { label: 'observed click rate' },
      diagonal: true,
      emptyMessage: 'no per-slice metrics in this range',
    }),
  );
  return `<section id="calibration">
<h2>Calibration</h2>
<p>Mean predicted click probability against the observed click rate. The scorer stores window means, not
per-impression scores, so this is calibration in the large (per time bucket and per scene slice), not a
binned reliability diagram. On the slice plot a calibrated model sits on the diagonal.</p>
${overTimePlot}
${bySlicePlot}
</section>`;
}

export function sliceSection(data: ReportData, families: readonly FamilyStyle[], plot: Plot): string {
  const charts = (['weather_meal', 'place_kind'] as const).map((kind) => {
    const title = kind === 'weather_meal' ? 'AUC per weather × meal slot' : 'AUC per place kind';
    const slices = data.slices.filter((slice) => slice.sliceKind === kind);
    const byValue = new Map<string, SliceTotals[]>();
    for (const slice of slices)
      byValue.set(slice.sliceValue, [...(byValue.get(slice.sliceValue) ?? []), slice]);
    const ranked = [...byValue]
      .map(([value, rows]) => ({ value, labelled: addSums(rows).labelled }))
      .sort((a, b) => b.labelled - a.labelled || a.value.localeCompare(b.value));
    const shown = ranked.slice(0, MAX_SLICES).map((entry) => entry.value);
    const aucs = slices.map((slice) => ratio(slice.aucSum, slice.aucWeight)).filter(Number.isFinite);
    const low = Math.max(0, Math.min(0.5, Math.floor(Math.min(...aucs, 0.5) * 10) / 10));
    const series = families.map((family) => {
      const rows = shown.map((value) =>
        slices.find((slice) => slice.sliceValue === value && slice.family === family.family),
      );
      return {
        name: family.label,
        color: family.color,
        values: rows.map((row) => (row === undefined ? Number.NaN : ratio(row.aucSum, row.aucWeight))),
        details: rows.map((row) => (row === undefined ? undefined : `${count(row.labelled)} labelled`)),
      };
    });
    const caption =
      ranked.length > shown.length ? ` (the ${shown.length} largest of ${ranked.length} slices)` : '';
    return plot(
      `${title}${caption}`,
      barChart({
        title,
        categories: shown,
        series,
        x: { label: 'AUC (bars start at 0.5, chance)', domain: [low, 1] },
        base: 0.5,
        emptyMessage: 'no per-slice metrics in this range',
      }),
    );
  });
  return `<section id="slices">
<h2>AUC per scene slice</h2>
<p>Joined impressions by the scene they came from, each model family side by side, over the whole range
(labelled-weighted mean of window AUCs; "n/a" where no window of the slice had both classes).</p>
${charts.join('\n')}
</section>`;
}
