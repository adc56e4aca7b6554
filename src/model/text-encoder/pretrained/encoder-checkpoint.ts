/**
 * Writes a trained encoder as an encoder folder the pipeline runs on onnxruntime: the parent's ONNX graph
 * with the trained weights written into it, the parent's tokenizer, and `larr-encoder.json` saying what
 * it is (stage, parent version, training summary). Written into a partial folder and renamed into place,
 * so a folder is never half written.
 */
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeBertWeights } from './bert-weights.ts';
import { encoderFolderAt, type EncoderFolder } from './encoder-folder.ts';
import { OnnxGraph, type FloatWeight } from './onnx-graph.ts';
import { encoderVersion } from './pretrained-embedder.ts';

export interface TrainedEncoderManifest {
  readonly format: 'larr-text-encoder';
  readonly label: string;
  readonly stage: 'pretrain' | 'contrastive';
  /** The version of the model it was trained from. */
  readonly parentVersion: string;
  readonly summary: Record<string, unknown>;
}

/** Saves `weights` over `parent`'s graph into `dir`; returns the folder and its content version. */
export async function saveTrainedEncoder(
  parent: EncoderFolder,
  weights: ReadonlyMap<string, FloatWeight>,
  dir: string,
  manifest: Omit<TrainedEncoderManifest, 'format' | 'label'>,
  label: string,
): Promise<{ folder: EncoderFolder; version: string }> {
  const graph = await OnnxGraph.read(parent.modelPath);
  writeBertWeights(graph, weights);
  await mkdir(dirname(dir), { recursive: true });
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await graph.write(join(partial, 'model.onnx'));
  await copyFile(parent.tokenizerPath, join(partial, 'tokenizer.json'));
  const full: TrainedEncoderManifest = { format: 'larr-text-encoder', label, ...manifest };
  await writeFile(join(partial, 'larr-encoder.json'), `${JSON.stringify(full, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  const folder = encoderFolderAt(dir, label);
  return { folder, version: await encoderVersion(folder) };
}
