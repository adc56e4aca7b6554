/**
 * `larr eval --seeds`: the same table trained with several seeds (initial weights and batch order), summarised
 * per variant as the mean and range of AUC and of Δ AUC against IDs only of the *same* seed. Single LARR runs
 * differ by ≈ 0.02 AUC from seed to seed (docs/alignment.md), so a claim about a row needs its spread.
 */
import type { SplitName } from '../../core/dataset-line.ts';
import { type EvalReport, fixed, signed } from './ablation.ts';

export interface SeededReport {
  readonly seed: number;
  readonly report: EvalReport;
}

export interface Spread {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** Seeds the numbers come from (a variant unavailable in some seed counts fewer). */
  readonly runs: number;
}

export interface SeedSummaryRow {
  readonly name: string;
  readonly splits: readonly { split: SplitName; auc: Spread; delta: Spread | null }[];
}

function spread(values: readonly number[]): Spread | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  return {
    mean: finite.reduce((sum, value) => sum + value, 0) / finite.length,
    min: Math.min(...finite),
    max: Math.max(...finite),
    runs: finite.length,
  };
}

/** One row per variant (in the first report's order) with the spread of its AUC and Δ AUC per split. */
export function summariseSeeds(reports: readonly SeededReport[]): SeedSummaryRow[] {
  const first = reports[0]?.report;
  if (first === undefined) return [];
  const rows: SeedSummaryRow[] = [];
  for (const variant of first.variants) {
    if (!variant.available) continue;
    const name = variant.spec.name;
    const splits = variant.splits.flatMap(({ split }) => {
      const aucs: number[] = [];
      const deltas: number[] = [];
      for (const { report } of reports) {
        const mine = report.variants.find((v) => v.spec.name === name);
        const baseline = report.variants.find((v) => v.available && v.spec.embedder === null);
        if (mine?.available !== true) continue;
        const auc = mine.splits.find((s) => s.split === split)?.auc ?? Number.NaN;
        aucs.push(auc);
        if (baseline?.available === true) {
          deltas.push(auc - (baseline.splits.find((s) => s.split === split)?.auc ?? Number.NaN));
        }
      }
      const auc = spread(aucs);
      return auc === null ? [] : [{ split, auc, delta: spread(deltas) }];
    });
    rows.push({ name, splits });
  }
  return rows;
}

/** The summary as text lines: per variant and split, mean AUC (min–max) and mean Δ (min–max). */
export function formatSeedSummary(reports: readonly SeededReport[]): string[] {
  const rows = summariseSeeds(reports);
  const seeds = reports.map((r) => r.seed).join(', ');
  const lines = [`over seeds ${seeds}: mean (min – max)`];
  const width = Math.max(7, ...rows.map((row) => row.name.length));
  for (const row of rows) {
    const cells = row.splits.map(({ split, auc, delta }) => {
      const aucText = `${split} AUC ${fixed(auc.mean)} (${fixed(auc.min)} – ${fixed(auc.max)})`;
      return delta === null
        ? aucText
        : `${aucText}, Δ ${signed(delta.mean)} (${signed(delta.min)} – ${signed(delta.max)})`;
    });
    lines.push(`${row.name.padEnd(width)}  ${cells.join('   ')}`);
  }
  lines.push('Δ = AUC − IDs-only AUC of the same seed.');
  return lines;
}
