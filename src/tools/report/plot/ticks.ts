/**
 * Axis ticks: "nice" linear steps (1, 2, 5 × 10^k) and calendar-friendly time steps, with labels whose
 * precision follows the step (0.05 steps print two decimals, 100 steps none).
 */

export interface LinearTicks {
  /** The domain widened to whole steps, so the first and last tick sit on the axis ends. */
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly ticks: readonly number[];
}

/** The smallest 1, 2 or 5 × 10^k step that divides `span` into at most `maxTicks` intervals. */
export function niceStep(span: number, maxTicks: number): number {
  if (!(span > 0) || !Number.isFinite(span))
    throw new RangeError(`span must be positive and finite, got ${span}`);
  if (!(maxTicks >= 1)) throw new RangeError(`maxTicks must be >= 1, got ${maxTicks}`);
  const rough = span / maxTicks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  for (const factor of [1, 2, 5, 10]) {
    const step = factor * magnitude;
    if (step >= rough * (1 - 1e-12)) return step;
  }
  return 10 * magnitude;
}

/**
 * Ticks covering [min, max] (in any order). An empty span (one value) is widened around the value so the
 * axis still has a scale; non-finite bounds are a caller error.
 */
export function linearTicks(min: number, max: number, maxTicks = 5): LinearTicks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw new RangeError(`axis bounds must be finite, got ${min} and ${max}`);
  }
  let low = Math.min(min, max);
  let high = Math.max(min, max);
  if (high - low < 1e-12 * Math.max(1, Math.abs(high))) {
    const pad = Math.abs(low) > 0 ? Math.abs(low) * 0.1 : 1;
    low -= pad;
    high += pad;
  }
  const step = niceStep(high - low, maxTicks);
  const first = Math.floor(low / step + 1e-9) * step;
  const last = Math.ceil(high / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; first + i * step <= last + step * 1e-9; i++)
    ticks.push(roundToStep(first + i * step, step));
  return { min: roundToStep(first, step), max: roundToStep(last, step), step, ticks };
}

/** Decimals needed to print multiples of `step` exactly (0.25 → 2, 5 → 0). */
export function stepDecimals(step: number): number {
  for (let decimals = 0; decimals < 12; decimals++) {
    const scaled = step * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return decimals;
  }
  return 12;
}

/** A tick label: as many decimals as the step needs; thousands get a k/M suffix when the step allows. */
export function formatTick(value: number, step: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6 && step >= 1e5) return `${trimZeros((value / 1e6).toFixed(stepDecimals(step / 1e6)))}M`;
  if (abs >= 1e4 && step >= 1e3) return `${trimZeros((value / 1e3).toFixed(stepDecimals(step / 1e3)))}k`;
  const formatted = value.toFixed(stepDecimals(step));
  // toFixed keeps the sign of a tiny negative value that rounds to zero ("-0.00").
  return /^-0(\.0*)?$/.test(formatted) ? formatted.slice(1) : formatted;
}

function trimZeros(formatted: string): string {
  return formatted.includes('.') ? formatted.replace(/\.?0+$/, '') : formatted;
}

function roundToStep(value: number, step: number): number {
  const decimals = stepDecimals(step);
  const rounded = Number(value.toFixed(decimals));
  return Object.is(rounded, -0) ? 0 : rounded;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Steps a time axis may use: each one divides the next larger unit evenly. */
export const TIME_STEPS_MS: readonly number[] = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];

/** The smallest step of `TIME_STEPS_MS` giving at most `maxTicks` intervals over the span (ms). */
export function timeStep(spanMs: number, maxTicks: number): number {
  const rough = spanMs / Math.max(1, maxTicks);
  return TIME_STEPS_MS.find((step) => step >= rough) ?? Math.ceil(rough / (30 * DAY)) * 30 * DAY;
}

export interface TimeTicks {
  readonly stepMs: number;
  /** Tick times (ms since epoch, UTC) inside [start, end], on whole multiples of the step. */
  readonly ticks: readonly number[];
}

/** Ticks at round UTC times inside [startMs, endMs]. */
export function timeTicks(startMs: number, endMs: number, maxTicks = 6): TimeTicks {
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs < startMs) {
    throw new RangeError(`time axis needs finite start <= end, got ${startMs} and ${endMs}`);
  }
  const stepMs = timeStep(Math.max(endMs - startMs, SECOND), maxTicks);
  const ticks: number[] = [];
  for (let tick = Math.ceil(startMs / stepMs) * stepMs; tick <= endMs; tick += stepMs) ticks.push(tick);
  return { stepMs, ticks };
}

/** A UTC tick label as precise as the step: seconds for sub-minute steps, the date for day steps. */
export function formatTime(ms: number, stepMs: number): string {
  const iso = new Date(ms).toISOString(); // 2024-06-01T12:34:56.000Z
  if (stepMs >= DAY) return iso.slice(5, 10);
  if (stepMs >= MINUTE) return iso.slice(11, 16);
  return iso.slice(11, 19);
}
