import { gaussian, weightedIndex, type Random } from './random.ts';
import { WEATHER_CONDITIONS, type WeatherCondition } from './vocabulary.ts';

export interface WeatherNow {
  readonly condition: WeatherCondition;
  /** °C, one decimal. */
  readonly temperatureC: number;
}

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 24 * MS_PER_HOUR;
/** Chance per hour that the weather regime changes: regimes last about nine hours. */
const CHANGE_PER_HOUR = 1 / 9;

/**
 * Seasonal, persistent weather: a regime (condition) that changes about every nine hours, drawn with
 * seasonal weights, over a temperature made of a seasonal base (coldest late January), a daily cycle, a
 * slow random anomaly and the regime's own offset. Every regime keeps a small chance all year, so every
 * period of a stream meets every kind of weather. State is a few numbers: constant memory.
 *
 * `at` must be called with non-decreasing local times (ms since epoch of local wall-clock time).
 */
export class WeatherProcess {
  private readonly random: Random;
  private hour: number;
  private condition: WeatherCondition = 'clear';
  private anomaly = 0;

  constructor(random: Random, startLocalMs: number) {
    this.random = random;
    this.hour = Math.floor(startLocalMs / MS_PER_HOUR);
    this.condition = WEATHER_CONDITIONS[weightedIndex(random, regimeWeights(seasonalBase(startLocalMs)))]!;
  }

  at(localMs: number): WeatherNow {
    const hour = Math.floor(localMs / MS_PER_HOUR);
    while (this.hour < hour) {
      this.hour++;
      this.anomaly = 0.97 * this.anomaly + gaussian(this.random) * 0.5;
      if (this.random() < CHANGE_PER_HOUR) {
        const weights = regimeWeights(seasonalBase(this.hour * MS_PER_HOUR));
        this.condition = WEATHER_CONDITIONS[weightedIndex(this.random, weights)]!;
      }
    }
    const base = seasonalBase(localMs) + this.anomaly;
    const hourOfDay = (localMs % MS_PER_DAY) / MS_PER_HOUR;
    const daily = 4 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
    const temperature = regimeTemperature(this.condition, base + daily);
    return { condition: this.condition, temperatureC: Math.round(temperature * 10) / 10 };
  }
}

/** Seasonal mean temperature (°C) on the day of `localMs`: about 5 in late January, 27 in late July. */
export function seasonalBase(localMs: number): number {
  const date = new Date(localMs);
  const dayOfYear = (localMs - Date.UTC(date.getUTCFullYear(), 0, 1)) / MS_PER_DAY;
  return 16 - 11 * Math.cos((2 * Math.PI * (dayOfYear - 20)) / 365);
}

function regimeWeights(base: number): number[] {
  const weights: Record<WeatherCondition, number> = {
    clear: 0.3,
    cloudy: 0.25,
    rain: 0.16 + Math.max(0, base - 12) / 100,
    storm: 0.05 + Math.max(0, base - 18) / 150,
    snow: Math.max(0.04, (8 - base) / 20),
    freezing: Math.max(0.04, (10 - base) / 25),
    heatwave: Math.max(0.04, (base - 20) / 25),
  };
  return WEATHER_CONDITIONS.map((condition) => weights[condition]);
}

function regimeTemperature(condition: WeatherCondition, temperature: number): number {
  switch (condition) {
    case 'clear':
      return temperature + 1;
    case 'cloudy':
      return temperature - 1;
    case 'rain':
      return temperature - 3;
    case 'storm':
      return temperature - 4;
    case 'snow':
      return Math.min(temperature - 12, 1);
    case 'freezing':
      return Math.min(temperature - 14, 3);
    case 'heatwave':
      return Math.max(temperature + 8, 32);
  }
}
