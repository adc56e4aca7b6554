import type { DatasetLine } from '../../core/dataset-line.ts';
import type { StreamClient } from '../../pipeline/ports/stream.ts';
import { publishDataset, type PublishDatasetOptions } from '../datasets/publish-dataset.ts';
import { simulateScenes } from './scene-stream.ts';
import { addToSummary, emptySummary, type SimulationSummary } from './summary.ts';
import type { SimulationOptions } from './write-simulation.ts';
import { createWorld } from './world.ts';

export interface PublishSimulationResult {
  readonly summary: SimulationSummary;
  readonly sceneEvents: number;
  readonly impressions: number;
  readonly seconds: number;
}

/**
 * Publishes the simulated stream through the same publisher as `larr replay`: SceneEvents (keyed by user
 * id) and their labelled Impressions (keyed by event id), both topics in one acknowledged request per
 * batch, in event-time order. The generator is pulled as batches are sent, so memory stays bounded.
 */
export async function publishSimulation(
  stream: Pick<StreamClient, 'producer'>,
  simulation: SimulationOptions,
  options: PublishDatasetOptions,
): Promise<PublishSimulationResult> {
  const world = createWorld(simulation);
  const summary = emptySummary();
  async function* lines(): AsyncGenerator<DatasetLine> {
    for (const scene of simulateScenes(world, simulation)) {
      addToSummary(summary, scene);
      yield scene.line;
    }
  }
  const published = await publishDataset(stream, lines(), options);
  return {
    summary,
    sceneEvents: published.events,
    impressions: published.impressions,
    seconds: published.seconds,
  };
}
