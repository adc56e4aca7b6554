/**
 * Horizontal grouped bars: one row per category (a scene slice, a dead-letter reason), one bar per series
 * (a model family, a stage) side by side. Bars grow from `base` (0 for counts, 0.5 = chance for AUC), so a
 * value below the base points left. A missing value (NaN) is written "n/a", never drawn as zero.
 */
import { bottomAxis, emptyChart, legend, linearScale, svgRoot, textWidth } from './frame.ts';
import { element, escapeXml, text, tooltip } from './svg.ts';
import { linearTicks } from './ticks.ts';

export interface BarSeries {
  readonly name: string;
  readonly color: string;
  /** One value per category, in the order of `categories`; NaN when the series has none there. */
  readonly values: readonly number[];
  /** Optional tooltip detail per category, e.g. "n = 340 labelled". */
  readonly details?: readonly (string | undefined)[];
}

export interface BarChartOptions {
  readonly title: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  readonly x: {
    readonly label: string;
    readonly domain?: readonly [number, number];
    readonly format?: (value: number, step: number) => string;
  };
  /** Bar-end labels and tooltips. @default formatValue */
  readonly valueFormat?: (value: number) => string;
  /** Where bars start. @default 0 */
  readonly base?: number;
  readonly width?: number;
  readonly emptyMessage?: string;
}

const MAX_LABEL_WIDTH = 230;

export function barChart(options: BarChartOptions): string {
  const width = options.width ?? 760;
  const base = options.base ?? 0;
  const values = options.series.flatMap((series) => series.values.filter((value) => Number.isFinite(value)));
  if (options.categories.length === 0 || values.length === 0) {
    return emptyChart(options.title, options.emptyMessage ?? 'no data in this time range', width);
  }
  for (const series of options.series) {
    if (series.values.length !== options.categories.length) {
      throw new RangeError(
        `bar series ${JSON.stringify(series.name)} has ${series.values.length} values for ${options.categories.length} categories`,
      );
    }
  }
  const domain = options.x.domain ?? [Math.min(base, ...values), Math.max(base, ...values)];
  const ticks = linearTicks(domain[0], domain[1], 5);
  const labelWidth = Math.min(
    MAX_LABEL_WIDTH,
    Math.max(40, ...options.categories.map((category) => textWidth(category))),
  );
  const barHeight = 12;
  const rowHeight = options.series.length * barHeight + 10;
  const plot = {
    x0: labelWidth + 16,
    x1: width - 56,
    y0: 8,
    y1: 8 + options.categories.length * rowHeight,
  };
  const scale = linearScale(ticks.min, ticks.max, plot.x0, plot.x1);
  const format = options.valueFormat ?? formatValue;
  const legendBlock = legend(
    options.series.map((series) => ({ name: series.name, color: series.color })),
    plot.x0,
    plot.y1 + 56,
    plot.x1 - plot.x0,
  );
  const height = plot.y1 + 56 + legendBlock.height;

  const body: string[] = [
    bottomAxis('number', [ticks.min, ticks.max], scale, plot, options.x.label, options.x.format),
  ];
  const x0 = scale(Math.min(Math.max(base, ticks.min), ticks.max));
  body.push(element('line', { x1: x0, x2: x0, y1: plot.y0, y2: plot.y1, class: 'bar-base' }));
  options.categories.forEach((category, row) => {
    const top = plot.y0 + row * rowHeight + 5;
    const shown = truncate(category, MAX_LABEL_WIDTH);
    body.push(
      element(
        'text',
        {
          x: plot.x0 - 8,
          y: top + (options.series.length * barHeight) / 2 + 4,
          'text-anchor': 'end',
          class: 'category',
        },
        // The full label on hover when it had to be shortened.
        `${escapeXml(shown)}${shown === category ? '' : tooltip(category)}`,
      ),
    );
    options.series.forEach((series, index) => {
      const value = series.values[row]!;
      const y = top + index * barHeight;
      const detail = series.details?.[row];
      if (!Number.isFinite(value)) {
        body.push(text({ x: x0 + 4, y: y + barHeight - 2, class: 'missing' }, `${series.name}: n/a`));
        return;
      }
      const clamped = Math.min(Math.max(value, ticks.min), ticks.max);
      const x = scale(clamped);
      const label = `${series.name} · ${category}: ${format(value)}${detail ? ` (${detail})` : ''}`;
      body.push(
        element(
          'rect',
          {
            x: Math.min(x, x0),
            y,
            width: Math.max(Math.abs(x - x0), 1),
            height: barHeight - 2,
            fill: series.color,
            class: 'mark bar',
          },
          tooltip(label),
        ),
        text({ x: Math.max(x, x0) + 4, y: y + barHeight - 3, class: 'bar-value' }, format(value)),
      );
    });
  });
  body.push(legendBlock.svg);
  return svgRoot(width, height, options.title, body.join(''));
}

function truncate(label: string, maxWidth: number): string {
  if (textWidth(label) <= maxWidth) return label;
  const keep = Math.max(1, Math.floor(maxWidth / textWidth('m')) - 1);
  return `${[...label].slice(0, keep).join('')}…`;
}

/** Integers as they are, other values with three decimals (AUC 0.734). */
export function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}
