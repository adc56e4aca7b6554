import { sceneCorpusRecord, shopCorpusRecord, shopItemRecord } from './corpus.ts';
import { LineSink } from '../../model/io/line-sink.ts';
import { PairMiner } from './pairs.ts';
import { simulateScenes, type StreamOptions } from './scene-stream.ts';
import { addToSummary, emptySummary, type SimulationSummary } from './summary.ts';
import { createWorld, type WorldOptions } from './world.ts';

export type SimulationOptions = WorldOptions & StreamOptions;

export interface SimulationFiles {
  /** DatasetLines, JSON lines. */
  readonly dataset: string;
  /** ItemRecords of the shops. */
  readonly items: string;
  /** The domain corpus, one record per line. */
  readonly corpus: string;
  /** PairSources, JSON lines. */
  readonly pairs: string;
}

export interface SimulationResult {
  readonly files: SimulationFiles;
  readonly summary: SimulationSummary;
  readonly lines: Readonly<Record<keyof SimulationFiles, number>>;
  readonly seconds: number;
}

export function simulationFiles(out: string): SimulationFiles {
  const base = out.endsWith('.jsonl') ? out.slice(0, -'.jsonl'.length) : out;
  return {
    dataset: out,
    items: `${base}.items.jsonl`,
    corpus: `${base}.corpus.txt`,
    pairs: `${base}.pairs.jsonl`,
  };
}

/**
 * Generates the world and the scene stream and writes the four files of `simulationFiles(out)`.
 * Streams throughout: memory depends on the world's size, not on `options.events`. Corpus scene records
 * and pair sources come from the train split only. `onProgress` gets the number of events written so far.
 */
export async function writeSimulation(
  options: SimulationOptions,
  out: string,
  onProgress?: (events: number) => void,
): Promise<SimulationResult> {
  const started = performance.now();
  const files = simulationFiles(out);
  const world = createWorld(options);
  const sinks = {
    dataset: new LineSink(files.dataset),
    items: new LineSink(files.items),
    corpus: new LineSink(files.corpus),
    pairs: new LineSink(files.pairs),
  };
  const summary = emptySummary();
  try {
    for (const shop of world.shops) {
      await sinks.items.write(JSON.stringify(shopItemRecord(world, shop)));
      await sinks.corpus.write(shopCorpusRecord(world, shop));
    }
    const miner = new PairMiner(world);
    for (const scene of simulateScenes(world, options)) {
      addToSummary(summary, scene);
      await sinks.dataset.write(JSON.stringify(scene.line));
      if (scene.line.split === 'train') {
        const record = sceneCorpusRecord(world, scene);
        if (record !== null) await sinks.corpus.write(record);
        for (const pair of miner.observe(scene)) await sinks.pairs.write(JSON.stringify(pair));
      }
      if (onProgress !== undefined && (scene.index + 1) % 10_000 === 0) onProgress(scene.index + 1);
    }
    await Promise.all(Object.values(sinks).map((sink) => sink.close()));
  } catch (err) {
    for (const sink of Object.values(sinks)) sink.destroy();
    throw err;
  }
  return {
    files,
    summary,
    lines: {
      dataset: sinks.dataset.lines,
      items: sinks.items.lines,
      corpus: sinks.corpus.lines,
      pairs: sinks.pairs.lines,
    },
    seconds: (performance.now() - started) / 1000,
  };
}
