/**
 * Stage 2 on the pretrained encoder as one job: mine the text pairs of a simulation's pair sources
 * (mine-pairs.ts, scene-pairs.ts), fine-tune the encoder's top layers
 * on them (`trainEncoderContrastive`), then say what it changed: the paraphrase probe and the held-out
 * retrieval of the fine-tuned model against the model it started from and the hashing baseline.
 *
 * Output folder: `model/` (an encoder folder: model.onnx, tokenizer.json, larr-encoder.json),
 * `held-out-pairs.jsonl`, `result.json`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HashingEmbedder } from '../../model/embedders/hashing-embedder.ts';
import { pathExists } from '../../model/io/path-exists.ts';
import { evaluateEmbedders, type RetrievalTable } from '../../model/text-encoder/contrastive/evaluate.ts';
import {
  countByKind,
  PAIR_KINDS,
  type PairKind,
  writeTextPairs,
} from '../../model/text-encoder/contrastive/text-pairs.ts';
import {
  trainEncoderContrastive,
  type EncoderContrastiveOptions,
  type EncoderContrastiveResult,
} from '../../model/text-encoder/pretrained/encoder-contrastive.ts';
import { encoderFolderAt, type EncoderFolder } from '../../model/text-encoder/pretrained/encoder-folder.ts';
import { PretrainedEmbedder } from '../../model/text-encoder/pretrained/pretrained-embedder.ts';
import { initTensorflow } from '../../model/runtime/tensorflow-runtime.ts';
import { paraphraseProbe, type ProbeReport } from '../eval/paraphrase-probe.ts';
import { datasetPathFor, type HeldOutBy, minePairs } from './mine-pairs.ts';

export interface EncoderContrastiveJobOptions
  extends Omit<EncoderContrastiveOptions, 'train' | 'weights' | 'encoder'> {
  /** The encoder to fine-tune (the pretrained one with field tokens, or a stage-1 output). */
  readonly encoder: EncoderFolder;
  /** `<out>.pairs.jsonl` of `larr simulate --out`. */
  readonly pairsPath: string;
  readonly itemsPath?: string;
  /** Train split of this dataset gives the scene-item pairs. @default `<pairs base>.jsonl` when it exists */
  readonly datasetPath?: string;
  readonly sceneSkipFields?: readonly string[];
  readonly sceneMinLift?: number;
  /** @default 0.1 */
  readonly heldOutFraction?: number;
  /** @default 'user' */
  readonly heldOutBy?: HeldOutBy;
  /** Loss weight per kind. @default 1 each */
  readonly weights?: Partial<Record<PairKind, number>>;
  /** Held-out retrieval evaluation and paraphrase probe. @default true */
  readonly evaluate?: boolean;
}

export interface EncoderContrastiveJobResult extends EncoderContrastiveResult {
  readonly pairs: Record<PairKind, number>;
  readonly heldOutPairs: Record<PairKind, number>;
  /** The paraphrase probe of the model before and after stage 2. */
  readonly probe?: { readonly before: ProbeReport; readonly after: ProbeReport };
  readonly retrieval?: RetrievalTable;
}

export async function runEncoderContrastiveJob(
  options: EncoderContrastiveJobOptions,
): Promise<EncoderContrastiveJobResult> {
  const log = options.log ?? (() => {});
  await initTensorflow({ log });
  const weights = Object.fromEntries(
    PAIR_KINDS.map((kind) => [kind, options.weights?.[kind] ?? 1]),
  ) as Record<PairKind, number>;
  const defaultDataset = datasetPathFor(options.pairsPath);
  const datasetPath =
    options.datasetPath ?? ((await pathExists(defaultDataset)) ? defaultDataset : undefined);
  const mined = await minePairs({
    pairsPath: options.pairsPath,
    ...(options.itemsPath === undefined ? {} : { itemsPath: options.itemsPath }),
    ...(datasetPath === undefined || !(weights['scene-item'] > 0) ? {} : { datasetPath }),
    ...(options.sceneSkipFields === undefined ? {} : { sceneSkipFields: options.sceneSkipFields }),
    ...(options.sceneMinLift === undefined ? {} : { sceneMinLift: options.sceneMinLift }),
    heldOutFraction: options.heldOutFraction ?? 0.1,
    heldOutBy: options.heldOutBy ?? 'user',
    seed: options.seed ?? 1,
  });
  const heldOutPairs = countByKind(mined.heldOut);
  log(`pairs: train ${JSON.stringify(countByKind(mined.train))}, held out ${JSON.stringify(heldOutPairs)}`);
  await mkdir(options.outDir, { recursive: true });
  await writeTextPairs(join(options.outDir, 'held-out-pairs.jsonl'), mined.heldOut);
  const trained = await trainEncoderContrastive({ ...options, train: mined.train, weights });
  let result: EncoderContrastiveJobResult = { ...trained, heldOutPairs };
  if (options.evaluate !== false) {
    const parent = await PretrainedEmbedder.load(options.encoder, { provider: 'cpu' });
    const child = await PretrainedEmbedder.load(encoderFolderAt(trained.modelDir, options.encoder.label), {
      provider: 'cpu',
    });
    try {
      const probe = { before: await paraphraseProbe(parent), after: await paraphraseProbe(child) };
      log(
        `paraphrase probe: ${probe.before.right}/${probe.before.total} before, ${probe.after.right}/${probe.after.total} after stage 2`,
      );
      const retrieval = await evaluateEmbedders(
        mined.heldOut,
        [
          { name: 'stage 2', embedder: child },
          { name: 'before stage 2', embedder: parent },
          { name: 'hashing', embedder: new HashingEmbedder(256) },
        ],
        { k: 10, maxQueriesPerKind: 500, seed: options.seed ?? 1 },
      );
      result = { ...result, probe, retrieval };
    } finally {
      await Promise.all([parent.close(), child.close()]);
    }
  }
  await writeFile(join(options.outDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
