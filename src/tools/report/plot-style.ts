/**
 * What the report's plots share so they read together: one colour and label per model family and per
 * stage on every plot, one time axis for every plot over time, and the `Plot` callback sections draw through.
 */
import type { ModelRole, ReportData } from './report-data.ts';
import { familiesOf, roleName } from './summary.ts';

const BASELINE_COLOR = '#6b7280';
const LARR_COLORS = ['#1d4ed8', '#7c3aed', '#0e7490'];
const OTHER_COLORS = ['#d97706', '#059669', '#db2777', '#65a30d'];
const STAGE_COLORS: Record<string, string> = { embedder: '#2563eb', scorer: '#dc2626' };
const MORE_STAGE_COLORS = ['#059669', '#d97706', '#7c3aed', '#0891b2'];

export interface FamilyStyle {
  readonly family: string;
  readonly role: ModelRole;
  readonly label: string;
  readonly color: string;
  readonly dashed: boolean;
}

/** Colours and labels per model family: the baseline grey and dashed and named as the baseline. */
export function familyStyles(data: ReportData): FamilyStyle[] {
  let larr = 0;
  let other = 0;
  return familiesOf(data).map(({ family, role }) => ({
    family,
    role,
    label: role === 'other' ? family : `${family} (${roleName(role)})`,
    color:
      role === 'baseline'
        ? BASELINE_COLOR
        : role === 'larr'
          ? LARR_COLORS[larr++ % LARR_COLORS.length]!
          : OTHER_COLORS[other++ % OTHER_COLORS.length]!,
    dashed: role === 'baseline',
  }));
}

export function stageColor(stage: string, index: number): string {
  return STAGE_COLORS[stage] ?? MORE_STAGE_COLORS[index % MORE_STAGE_COLORS.length]!;
}

/** Puts one plot on the page (a captioned figure) and records its title. */
export type Plot = (title: string, svg: string) => string;

/** One time axis for every plot over time: the report's range, so plots stacked on the page line up. */
export function timeAxis(data: ReportData): {
  kind: 'time';
  label: string;
  domain?: readonly [number, number];
} {
  return {
    kind: 'time',
    label: 'window end (UTC)',
    ...(data.range === null
      ? {}
      : { domain: [data.range.start.getTime(), data.range.end.getTime()] as const }),
  };
}
