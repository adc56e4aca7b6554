/**
 * Lines (or points) over a time or number axis. A non-finite y (an AUC of a single-class window, a rate
 * over zero lookups) breaks the line instead of dropping to zero: a gap says "no value here".
 */
import { bottomAxis, emptyChart, leftAxis, legend, linearScale, svgRoot } from './frame.ts';
import { element, num, tooltip } from './svg.ts';
import { formatTick, formatTime, linearTicks } from './ticks.ts';

export interface Point {
  readonly x: number;
  readonly y: number;
  /** Tooltip detail, e.g. "n = 1 200 labelled"; the series name and both values are always shown. */
  readonly detail?: string;
}

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
  /** An explicit stroke-dasharray (e.g. "2 3" for dots); wins over `dashed`. */
  readonly dash?: string;
  /** false: points only (a scatter). @default true */
  readonly connect?: boolean;
  readonly points: readonly Point[];
}

export interface LineChartOptions {
  /** The chart's accessible name (the page shows it as a heading). */
  readonly title: string;
  readonly series: readonly LineSeries[];
  readonly x: {
    readonly kind: 'time' | 'number';
    readonly label: string;
    readonly domain?: readonly [number, number];
    readonly format?: (value: number, step: number) => string;
  };
  readonly y: {
    readonly label: string;
    /** Fixed domain, e.g. [0, 1] for rates; else from the data (widened to nice ticks). */
    readonly domain?: readonly [number, number];
    /** Keep 0 on the axis (counts, rates per second). */
    readonly includeZero?: boolean;
    readonly format?: (value: number, step: number) => string;
  };
  /** Draw y = x (calibration: predicted vs observed). */
  readonly diagonal?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** Shown instead of the plot when no series has a finite point. */
  readonly emptyMessage?: string;
}

/** Series with at least one point whose x and y are both finite. */
export function hasFinitePoint(series: LineSeries): boolean {
  return series.points.some((point) => Number.isFinite(point.x) && Number.isFinite(point.y));
}

/** Above this many points a series draws markers only where the line cannot show the value (isolated points). */
const MAX_MARKERS = 240;
const X_INSET = 6;

export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 760;
  const plotHeight = options.height ?? 240;
  const finite = options.series.flatMap((series) =>
    series.points.filter((point) => Number.isFinite(point.x) && Number.isFinite(point.y)),
  );
  if (finite.length === 0) {
    return emptyChart(options.title, options.emptyMessage ?? 'no data in this time range', width);
  }

  const xs = finite.map((point) => point.x);
  const ys = finite.map((point) => point.y);
  let xDomain: [number, number] = options.x.domain
    ? [...options.x.domain]
    : [Math.min(...xs), Math.max(...xs)];
  if (xDomain[0] === xDomain[1]) {
    const pad = options.x.kind === 'time' ? 30_000 : Math.abs(xDomain[0]) * 0.1 || 1;
    xDomain = [xDomain[0] - pad, xDomain[1] + pad];
  }
  let yLow = options.y.domain?.[0] ?? Math.min(...ys);
  let yHigh = options.y.domain?.[1] ?? Math.max(...ys);
  if (options.y.includeZero === true) {
    yLow = Math.min(0, yLow);
    yHigh = Math.max(0, yHigh);
  }
  let yTicks = options.y.domain ? fixedTicks(options.y.domain) : linearTicks(yLow, yHigh, 5);
  if (options.diagonal === true && options.y.domain === undefined && options.x.domain === undefined) {
    // Predicted vs observed: one scale for both axes, so the diagonal is y = x at 45°.
    yTicks = linearTicks(Math.min(yLow, xDomain[0]), Math.max(yHigh, xDomain[1]), 5);
    xDomain = [yTicks.min, yTicks.max];
  }

  const margin = { left: 64, right: 18, top: 12 };
  const plot = { x0: margin.left, x1: width - margin.right, y0: margin.top, y1: margin.top + plotHeight };
  // A few units of air inside the frame, so points at the ends are not cut in half by the clip.
  const xScale = linearScale(xDomain[0], xDomain[1], plot.x0 + X_INSET, plot.x1 - X_INSET);
  const yScale = linearScale(yTicks.min, yTicks.max, plot.y1, plot.y0);
  const legendBlock = legend(
    options.series.map((series) => ({
      name: series.name,
      color: series.color,
      dash: dashArray(series),
      marker: series.connect === false,
      ...(hasFinitePoint(series) ? {} : { note: 'no data' }),
    })),
    plot.x0,
    plot.y1 + 56,
    plot.x1 - plot.x0,
  );
  const height = plot.y1 + 56 + legendBlock.height;

  const formatX = (value: number) =>
    options.x.kind === 'time' ? formatTime(value, 1000) : (options.x.format ?? formatTick)(value, 1e-4);
  // Tooltips: four significant digits (0.7412, 403.1, 12350) unless the axis has its own format.
  const formatY = (value: number) =>
    options.y.format ? options.y.format(value, 1e-4) : String(Number(value.toPrecision(4)));
  const inside = (point: Point) =>
    point.y >= yTicks.min - 1e-9 &&
    point.y <= yTicks.max + 1e-9 &&
    point.x >= xDomain[0] &&
    point.x <= xDomain[1];

  const body: string[] = [];
  body.push(leftAxis(yTicks, yScale, plot, options.y.label, options.y.format));
  body.push(bottomAxis(options.x.kind, xDomain, xScale, plot, options.x.label, options.x.format));
  body.push(
    element('rect', {
      x: plot.x0,
      y: plot.y0,
      width: plot.x1 - plot.x0,
      height: plot.y1 - plot.y0,
      class: 'plot-frame',
    }),
  );
  if (options.diagonal === true) {
    const low = Math.max(xDomain[0], yTicks.min);
    const high = Math.min(xDomain[1], yTicks.max);
    if (high > low) {
      body.push(
        element('line', {
          x1: xScale(low),
          y1: yScale(low),
          x2: xScale(high),
          y2: yScale(high),
          class: 'diagonal',
        }),
      );
    }
  }
  // Clip to the plot area so a value outside a fixed domain cannot draw over the axes.
  const clipId = `clip-${Math.abs(hashCode(`${options.title}|${width}|${height}`)).toString(36)}`;
  body.push(
    element(
      'clipPath',
      { id: clipId },
      element('rect', { x: plot.x0, y: plot.y0, width: plot.x1 - plot.x0, height: plot.y1 - plot.y0 }),
    ),
  );
  const marks: string[] = [];
  for (const series of options.series) {
    // A point without a finite x has no place on the axis; a non-finite y breaks the line (finiteRuns).
    const points = series.points.filter((point) => Number.isFinite(point.x)).sort((a, b) => a.x - b.x);
    const runs = finiteRuns(points);
    if (series.connect !== false) {
      const d = runs
        .filter((run) => run.length > 1)
        .map((run) =>
          run
            .map(
              (point, index) => `${index === 0 ? 'M' : 'L'}${num(xScale(point.x))} ${num(yScale(point.y))}`,
            )
            .join(''),
        )
        .join('');
      if (d !== '') {
        marks.push(
          element('path', {
            d,
            fill: 'none',
            stroke: series.color,
            'stroke-width': 2,
            'stroke-dasharray': dashArray(series),
            'stroke-linejoin': 'round',
            class: 'mark line',
          }),
        );
      }
    }
    const finiteCount = runs.reduce((sum, run) => sum + run.length, 0);
    for (const run of runs) {
      for (const point of run) {
        const isolated = run.length === 1 || series.connect === false;
        if (!isolated && finiteCount > MAX_MARKERS) continue;
        if (!inside(point)) continue;
        const label = `${series.name}: ${formatY(point.y)} at ${formatX(point.x)}${point.detail ? ` (${point.detail})` : ''}`;
        marks.push(
          element(
            'circle',
            {
              cx: xScale(point.x),
              cy: yScale(point.y),
              r: isolated ? 3.5 : 2.5,
              fill: series.color,
              class: 'mark point',
            },
            tooltip(label),
          ),
        );
      }
    }
  }
  body.push(element('g', { 'clip-path': `url(#${clipId})` }, marks.join('')));
  body.push(legendBlock.svg);
  return svgRoot(width, height, options.title, body.join(''));
}

function dashArray(series: LineSeries): string | undefined {
  return series.dash ?? (series.dashed === true ? '6 4' : undefined);
}

/** Ticks exactly at a fixed domain's ends (e.g. 0 and 1) with nice steps between. */
function fixedTicks(domain: readonly [number, number]) {
  const ticks = linearTicks(domain[0], domain[1], 5);
  return {
    ...ticks,
    min: domain[0],
    max: domain[1],
    ticks: ticks.ticks.filter((tick) => tick >= domain[0] && tick <= domain[1]),
  };
}

/** Maximal runs of consecutive points with finite x and y. */
export function finiteRuns(points: readonly Point[]): Point[][] {
  const runs: Point[][] = [];
  let current: Point[] = [];
  for (const point of points) {
    if (Number.isFinite(point.x) && Number.isFinite(point.y)) {
      current.push(point);
    } else if (current.length > 0) {
      runs.push(current);
      current = [];
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

/** A stable small hash (for element ids that must be unique per chart in one page). */
export function hashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  return hash;
}
