/**
 * `larr eval-merge`: one table from several saved `larr eval --json` reports. On two cores the way to run
 * the eight-row ablation over three seeds in an hour is two processes, each with its own `--only` rows; this
 * puts their rows back side by side per seed, so Δ against IDs only and the seed summary come out as if one
 * process had run them all. It refuses reports that cannot belong together: a variant reported twice for the
 * same seed, or ceilings (the simulator's true-probability AUC) that differ, which means different datasets.
 */
import { readFile } from 'node:fs/promises';
import { LarrError } from '../../core/errors.ts';
import type { EvalReport, VariantResult } from './ablation.ts';
import type { SeededReport } from './seed-summary.ts';

/** A saved report: `larr eval --json` (one seed, `seed` unknown) or `larr eval --seeds … --json`. */
interface SavedReport {
  readonly file: string;
  readonly runs: readonly { seed: number | null; report: EvalReport }[];
}

function invalid(file: string, why: string): LarrError {
  return new LarrError('EVAL_REPORT_INVALID', `${file}: not a larr eval --json report (${why})`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkReport(file: string, value: unknown, where: string): EvalReport {
  if (!isRecord(value)) throw invalid(file, `${where} is ${JSON.stringify(value)}`);
  if (!Array.isArray(value.variants)) throw invalid(file, `${where}.variants is not a list`);
  if (!Array.isArray(value.ceiling)) throw invalid(file, `${where}.ceiling is not a list`);
  value.variants.forEach((variant: unknown, i) => {
    if (!isRecord(variant) || !isRecord(variant.spec) || typeof variant.spec.name !== 'string') {
      throw invalid(file, `${where}.variants[${i}] has no spec.name`);
    }
    const name = variant.spec.name;
    if (variant.available === true && !Array.isArray(variant.splits)) {
      throw invalid(file, `${where}.variants[${i}] (${name}) has no splits`);
    }
  });
  return value as unknown as EvalReport;
}

/** Parses one saved report; JSON `null` AUC / log-loss (how `--json` writes NaN) read back as NaN. */
export function parseEvalReport(file: string, text: string): SavedReport {
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) =>
      v === null && (key === 'auc' || key === 'logLoss') ? Number.NaN : v,
    );
  } catch (err) {
    throw invalid(file, `not JSON: ${(err as Error).message}`);
  }
  if (isRecord(value) && Array.isArray(value.runs)) {
    const runs = value.runs.map((run: unknown, i) => {
      if (!isRecord(run) || typeof run.seed !== 'number') throw invalid(file, `runs[${i}] has no seed`);
      return { seed: run.seed, report: checkReport(file, run.report, `runs[${i}].report`) };
    });
    if (runs.length === 0) throw invalid(file, 'runs is empty');
    return { file, runs };
  }
  return { file, runs: [{ seed: null, report: checkReport(file, value, 'the report') }] };
}

function sameCeiling(a: EvalReport['ceiling'], b: EvalReport['ceiling']): boolean {
  const covered = (x: EvalReport['ceiling'], y: EvalReport['ceiling']) =>
    x.every((quality) => {
      const other = y.find((q) => q.split === quality.split);
      return other === undefined || Object.is(other.auc, quality.auc);
    });
  return covered(a, b) && covered(b, a);
}

/** Merged reports: one per seed of `--seeds` runs, or the one report of single-seed runs. */
export type MergedEvalReports =
  | { readonly seeded: true; readonly runs: SeededReport[] }
  | { readonly seeded: false; readonly report: EvalReport };

/**
 * Merges saved reports per seed, variants in file order. Single-seed reports (no `--seeds`) merge with each
 * other only; mixing them with seeded reports is refused, since their seed is not recorded.
 */
export function mergeEvalReports(saved: readonly SavedReport[]): MergedEvalReports {
  const unseeded = saved.filter((s) => s.runs.some((run) => run.seed === null));
  if (unseeded.length > 0 && unseeded.length < saved.length) {
    throw new LarrError(
      'EVAL_REPORT_INVALID',
      `${unseeded[0]!.file}: a single-seed report (run without --seeds) cannot be merged with --seeds reports; its seed is not recorded`,
    );
  }
  const bySeed = new Map<number | null, { ceiling: EvalReport['ceiling']; variants: VariantResult[] }>();
  const owner = new Map<string, string>();
  for (const { file, runs } of saved) {
    for (const { seed, report } of runs) {
      const merged = bySeed.get(seed) ?? { ceiling: report.ceiling, variants: [] };
      if (!sameCeiling(merged.ceiling, report.ceiling)) {
        throw new LarrError(
          'EVAL_REPORT_INVALID',
          `${file}: its ceiling AUC differs from the other reports', so it was run on another dataset`,
        );
      }
      for (const variant of report.variants) {
        const id = `${String(seed)}\u0000${variant.spec.name}`;
        const earlier = owner.get(id);
        if (earlier !== undefined) {
          throw new LarrError(
            'EVAL_REPORT_INVALID',
            `${file}: variant ${JSON.stringify(variant.spec.name)}${seed === null ? '' : ` of seed ${seed}`} is also in ${earlier}`,
          );
        }
        owner.set(id, file);
        merged.variants.push(variant);
      }
      bySeed.set(seed, merged);
    }
  }
  const single = bySeed.get(null);
  if (single !== undefined) return { seeded: false, report: single };
  const runs = [...bySeed.entries()]
    .flatMap(([seed, report]) => (seed === null ? [] : [{ seed, report }]))
    .sort((a, b) => a.seed - b.seed);
  return { seeded: true, runs };
}

/** Reads and merges saved report files (see `mergeEvalReports`). */
export async function readAndMergeEvalReports(files: readonly string[]): Promise<MergedEvalReports> {
  const saved: SavedReport[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new LarrError('EVAL_REPORT_INVALID', `${file}: cannot read (${(err as Error).message})`, {
        cause: err,
      });
    }
    saved.push(parseEvalReport(file, text));
  }
  return mergeEvalReports(saved);
}
