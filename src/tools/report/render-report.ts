/**
 * The report as one self-contained HTML page: inline CSS, inline SVG from ./plot, no script, no external
 * resource of any kind (it opens from a file, offline, and makes no request). Every string that comes from
 * the database is escaped.
 */
import { escapeXml } from './plot/svg.ts';
import type { ReportData } from './report-data.ts';
import { isoSeconds } from './format.ts';
import { calibrationSection, modelQualitySection, sliceSection } from './model-sections.ts';
import { page, table } from './page-shell.ts';
import { familyStyles } from './plot-style.ts';
import { deadLetterSection, latencySection, throughputSection } from './stage-sections.ts';
import { summariseReport, summaryRows, type ReportSummary } from './summary.ts';

export interface RenderedReport {
  readonly html: string;
  readonly summary: ReportSummary;
  /** Titles of the plots on the page (each one an `<svg class="chart">`). */
  readonly plots: readonly string[];
}

export function renderReport(data: ReportData): RenderedReport {
  const summary = summariseReport(data);
  const sections: string[] = [];
  const plots: string[] = [];
  const plot = (title: string, svg: string) => {
    plots.push(title);
    return `<figure><figcaption>${escapeXml(title)}</figcaption>${svg}</figure>`;
  };

  if (data.range === null) {
    sections.push(emptySection(data));
  } else {
    const families = familyStyles(data);
    sections.push(summarySection(summary));
    sections.push(modelQualitySection(data, families, plot));
    sections.push(calibrationSection(data, families, plot));
    sections.push(sliceSection(data, families, plot));
    sections.push(latencySection(data, plot));
    sections.push(throughputSection(data, plot));
    sections.push(deadLetterSection(data, plot));
  }
  return { html: page(data, sections.join('\n')), summary, plots };
}

function emptySection(data: ReportData): string {
  const where = data.since === null ? '' : ` since ${isoSeconds(data.since)}`;
  return `<section class="missing" id="no-data">
<h2>No metrics to report</h2>
<p>Schema <code>${escapeXml(data.schema)}</code> has no metric rows${escapeXml(where)}. What is missing:</p>
<ul>
<li><code>prequential_metrics</code> (AUC, log-loss, calibration, slices): written by <code>larr scorer run</code>.</li>
<li><code>stage_metrics</code> (throughput, cache hit rates, latency, lag): written by <code>larr embedder run</code> and <code>larr scorer run</code>.</li>
<li><code>dead_letters</code>: written when a stage gives up on a record.</li>
</ul>
<p>Run the pipeline (<code>npm run demo</code> does it end to end)${
    data.since === null ? '' : ', or widen <code>--since</code>'
  }, point <code>LARR_DB_SCHEMA</code> / <code>--schema</code> at the schema the stages write to, and run <code>larr report</code> again.</p>
</section>`;
}

function summarySection(summary: ReportSummary): string {
  const rows = summaryRows(summary);
  return `<section id="summary">
<h2>Summary over the range</h2>
${
  rows.length === 0
    ? '<p class="note">No numbers to summarise.</p>'
    : table(
        ['metric', 'value', 'how'],
        rows.map((row) => [row.metric, row.value, row.note]),
        [false, true, false],
      )
}
</section>`;
}
