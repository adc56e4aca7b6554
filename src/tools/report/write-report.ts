/** Loads the report's data, renders it and writes the one HTML file; what `larr report` and the demo call. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Queryable } from '../../adapters/postgres/queryable.ts';
import { loadReportData } from './load-report-data.ts';
import { renderReport } from './render-report.ts';
import { summariseReport, type ReportSummary } from './summary.ts';

export interface ReportOptions {
  /** The schema `db` reads (its search_path); shown on the page. */
  readonly schema: string;
  /** Only windows ending at or after this time; null for everything. */
  readonly since: Date | null;
  readonly now?: Date;
}

export interface WrittenReport {
  /** Absolute path of the HTML file. */
  readonly path: string;
  readonly bytes: number;
  readonly summary: ReportSummary;
  /** Titles of the plots on the page; empty when there was no data. */
  readonly plots: readonly string[];
  /** False when the range held no metric at all (the page then says what is missing). */
  readonly hasData: boolean;
}

export async function writeReport(
  db: Queryable,
  out: string,
  options: ReportOptions,
): Promise<WrittenReport> {
  const data = await loadReportData(db, options);
  const rendered = renderReport(data);
  const path = resolve(out);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, rendered.html, 'utf8');
  return {
    path,
    bytes: Buffer.byteLength(rendered.html),
    summary: rendered.summary,
    plots: rendered.plots,
    hasData: data.range !== null,
  };
}

/** The summary numbers alone (AUC LARR vs baseline, events/s, cache hit rate, p99), e.g. for the demo. */
export async function reportSummary(db: Queryable, options: ReportOptions): Promise<ReportSummary> {
  return summariseReport(await loadReportData(db, options));
}
