/**
 * What every chart shares: the SVG root, the plot area inside the margins, axes with grid lines, the
 * legend, and the "no data" placeholder. Sizes are in SVG user units; the page scales the SVG to its width.
 */
import { element, escapeXml, num, text } from './svg.ts';
import { formatTick, formatTime, linearTicks, timeTicks, type LinearTicks } from './ticks.ts';

export interface Box {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** Maps [d0, d1] onto [r0, r1] linearly; a zero-width domain maps to the middle of the range. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const factor = (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * factor;
}

/** The `<svg>` root: scalable (viewBox, width 100 %), labelled for screen readers with the chart title. */
export function svgRoot(width: number, height: number, title: string, body: string): string {
  return element(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${num(width)} ${num(height)}`,
      width: '100%',
      role: 'img',
      'aria-label': title,
      class: 'chart',
    },
    element('title', {}, escapeXml(title)) + body,
  );
}

/** A chart with nothing to draw: the frame and one sentence saying why, never an empty axis. */
export function emptyChart(title: string, message: string, width = 760, height = 120): string {
  return svgRoot(
    width,
    height,
    title,
    element('rect', { x: 0.5, y: 0.5, width: width - 1, height: height - 1, class: 'empty-frame' }) +
      text({ x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty-message' }, message),
  );
}

/** Horizontal grid lines and labels of a value axis on the left. */
export function leftAxis(
  ticks: LinearTicks,
  scale: (value: number) => number,
  plot: { x0: number; x1: number },
  label: string,
  format: (value: number, step: number) => string = formatTick,
): string {
  const lines = ticks.ticks.map((tick) => {
    const y = scale(tick);
    return (
      element('line', { x1: plot.x0, x2: plot.x1, y1: y, y2: y, class: 'grid' }) +
      text({ x: plot.x0 - 6, y: y + 3.5, 'text-anchor': 'end', class: 'tick' }, format(tick, ticks.step))
    );
  });
  const middle = (scale(ticks.min) + scale(ticks.max)) / 2;
  const title = text(
    {
      x: 14,
      y: middle,
      transform: `rotate(-90 14 ${num(middle)})`,
      'text-anchor': 'middle',
      class: 'axis-label',
    },
    label,
  );
  return element('g', { class: 'axis y-axis' }, lines.join('') + title);
}

/** Vertical grid lines and labels of a value axis at the bottom (linear or UTC time). */
export function bottomAxis(
  kind: 'time' | 'number',
  domain: readonly [number, number],
  scale: (value: number) => number,
  plot: { y0: number; y1: number; x0: number; x1: number },
  label: string,
  format?: (value: number, step: number) => string,
): string {
  let positions: { at: number; label: string }[];
  if (kind === 'time') {
    const ticks = timeTicks(domain[0], domain[1], Math.max(2, Math.floor((plot.x1 - plot.x0) / 110)));
    positions = ticks.ticks.map((tick) => ({ at: tick, label: formatTime(tick, ticks.stepMs) }));
  } else {
    const ticks = linearTicks(domain[0], domain[1], Math.max(2, Math.floor((plot.x1 - plot.x0) / 90)));
    positions = ticks.ticks
      .filter((tick) => tick >= domain[0] - 1e-12 && tick <= domain[1] + 1e-12)
      .map((tick) => ({ at: tick, label: (format ?? formatTick)(tick, ticks.step) }));
  }
  const lines = positions.map(({ at, label: tickLabel }) => {
    const x = scale(at);
    return (
      element('line', { x1: x, x2: x, y1: plot.y0, y2: plot.y1, class: 'grid' }) +
      text({ x, y: plot.y1 + 15, 'text-anchor': 'middle', class: 'tick' }, tickLabel)
    );
  });
  const title = text(
    { x: (plot.x0 + plot.x1) / 2, y: plot.y1 + 32, 'text-anchor': 'middle', class: 'axis-label' },
    label,
  );
  return element('g', { class: 'axis x-axis' }, lines.join('') + title);
}

export interface LegendItem {
  readonly name: string;
  readonly color: string;
  /** stroke-dasharray of the sample line; none for solid. */
  readonly dash?: string | undefined;
  /** A dot instead of a line sample (a series drawn as points only). */
  readonly marker?: boolean;
  /** Greyed out and suffixed, e.g. a series without a single finite value. */
  readonly note?: string;
}

const CHAR_WIDTH = 6.4;

/** Legend entries laid out left to right, wrapping at `width`; returns the markup and the height used. */
export function legend(
  items: readonly LegendItem[],
  x0: number,
  y0: number,
  width: number,
): { svg: string; height: number } {
  let x = x0;
  let y = y0;
  const parts: string[] = [];
  for (const item of items) {
    const label = item.note === undefined ? item.name : `${item.name} (${item.note})`;
    const itemWidth = 26 + label.length * CHAR_WIDTH + 16;
    if (x > x0 && x + itemWidth > x0 + width) {
      x = x0;
      y += 18;
    }
    parts.push(
      element(
        'g',
        { class: item.note === undefined ? 'legend-item' : 'legend-item muted' },
        (item.marker === true
          ? element('circle', { cx: x + 10, cy: y - 4, r: 4, fill: item.color })
          : element('line', {
              x1: x,
              x2: x + 20,
              y1: y - 4,
              y2: y - 4,
              stroke: item.color,
              'stroke-width': 3,
              'stroke-dasharray': item.dash,
            })) + text({ x: x + 26, y, class: 'legend-label' }, label),
      ),
    );
    x += itemWidth;
  }
  return {
    svg: element('g', { class: 'legend' }, parts.join('')),
    height: items.length === 0 ? 0 : y - y0 + 18,
  };
}

/** Rough width of a label in the chart font, for layout (no font metrics in a string builder). */
export function textWidth(label: string): number {
  return label.length * CHAR_WIDTH;
}
