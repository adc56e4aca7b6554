/**
 * A histogram over fixed bins drawn with equal widths (the latency bins are log-spaced, so equal widths
 * make a log axis); the bin edges label the axis. Bars are counts; tooltips add the share of the total.
 */
import { emptyChart, leftAxis, linearScale, svgRoot } from './frame.ts';
import { element, text, tooltip } from './svg.ts';
import { linearTicks } from './ticks.ts';

export interface HistogramBin {
  /** Lower edge label, e.g. "4ms"; the last bin's upper edge is `HistogramOptions.lastEdge`. */
  readonly lowerLabel: string;
  /** The bin in words for the tooltip, e.g. "[4, 8) ms". */
  readonly range: string;
  readonly count: number;
}

export interface HistogramOptions {
  readonly title: string;
  readonly bins: readonly HistogramBin[];
  /** Label of the right-most edge, e.g. "∞". */
  readonly lastEdge: string;
  readonly color: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  readonly emptyMessage?: string;
}

export function histogram(options: HistogramOptions): string {
  const width = options.width ?? 760;
  const plotHeight = options.height ?? 200;
  const counts = options.bins.map((bin) => (Number.isFinite(bin.count) && bin.count > 0 ? bin.count : 0));
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (options.bins.length === 0 || total === 0) {
    return emptyChart(options.title, options.emptyMessage ?? 'no data in this time range', width);
  }
  const plot = { x0: 64, x1: width - 18, y0: 12, y1: 12 + plotHeight };
  const ticks = linearTicks(0, Math.max(...counts), 5);
  const yScale = linearScale(ticks.min, ticks.max, plot.y1, plot.y0);
  const binWidth = (plot.x1 - plot.x0) / options.bins.length;
  const body: string[] = [leftAxis(ticks, yScale, plot, options.yLabel)];
  body.push(element('line', { x1: plot.x0, x2: plot.x1, y1: plot.y1, y2: plot.y1, class: 'axis-line' }));
  options.bins.forEach((bin, index) => {
    const x = plot.x0 + index * binWidth;
    body.push(text({ x, y: plot.y1 + 15, 'text-anchor': 'middle', class: 'tick' }, bin.lowerLabel));
    const count = counts[index]!;
    if (count === 0) return;
    const y = yScale(count);
    const share = (100 * count) / total;
    body.push(
      element(
        'rect',
        {
          x: x + 1,
          y,
          width: Math.max(binWidth - 2, 1),
          height: Math.max(plot.y1 - y, 1),
          fill: options.color,
          class: 'mark bar',
        },
        tooltip(`${bin.range}: ${count} (${share.toFixed(share < 1 ? 2 : 1)} %)`),
      ),
    );
  });
  body.push(text({ x: plot.x1, y: plot.y1 + 15, 'text-anchor': 'middle', class: 'tick' }, options.lastEdge));
  body.push(
    text(
      { x: (plot.x0 + plot.x1) / 2, y: plot.y1 + 34, 'text-anchor': 'middle', class: 'axis-label' },
      options.xLabel,
    ),
  );
  return svgRoot(width, plot.y1 + 44, options.title, body.join(''));
}
