/**
 * `npm run bench:lm`: stages 1 and 2 of LARR on the pretrained encoder (the default, e5-small-v2), on the demo's
 * world (`larr simulate --events 12000 --seed 1`) with the demo's settings: wall time of each stage and of
 * both (goal: ≤ 10 minutes on 2 cores), seconds per step, stage 1's held-out masked-token loss and
 * perplexity before and after, and the paraphrase probe of the untouched model, after stage 1 and after
 * stage 2 (goal: ≥ 40/50, and never below the untouched model's).
 *
 * Sizes: BENCH_STAGE1_STEPS (default 100), BENCH_STAGE2_STEPS (default 60), BENCH_EVENTS (default 12000).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTensorflow } from '../src/model/runtime/tensorflow-runtime.ts';
import { trainEncoderMlm } from '../src/model/text-encoder/pretrained/encoder-mlm.ts';
import { PretrainedEmbedder } from '../src/model/text-encoder/pretrained/pretrained-embedder.ts';
import { encoderFolderAt, type EncoderFolder } from '../src/model/text-encoder/pretrained/encoder-folder.ts';
import { runEncoderContrastiveJob } from '../src/tools/corpus/encoder-contrastive-job.ts';
import { paraphraseProbe } from '../src/tools/eval/paraphrase-probe.ts';
import { resolveEncoderFolder } from '../src/tools/model-artifacts/load-pretrained-embedder.ts';
import { simulationFiles, writeSimulation } from '../src/tools/simulator/write-simulation.ts';

const stage1Steps = Number(process.env['BENCH_STAGE1_STEPS'] ?? 100);
const stage2Steps = Number(process.env['BENCH_STAGE2_STEPS'] ?? 60);
const events = Number(process.env['BENCH_EVENTS'] ?? 12_000);
const quiet = () => undefined;

async function probe(folder: EncoderFolder): Promise<string> {
  const embedder = await PretrainedEmbedder.load(folder, { provider: 'cpu' });
  try {
    const report = await paraphraseProbe(embedder);
    return `${report.right}/${report.total} (${report.fields.map((f) => `${f.field} ${f.right}/${f.total}`).join(', ')})`;
  } finally {
    await embedder.close();
  }
}

const work = await mkdtemp(join(tmpdir(), 'larr-bench-stages-'));
try {
  await initTensorflow({ log: quiet });
  const files = simulationFiles(join(work, 'sim.jsonl'));
  await writeSimulation({ seed: 1, events }, files.dataset);
  const pretrained = await resolveEncoderFolder({}, { log: (line) => console.error(line) });
  console.log(`larr bench lm — stages 1 and 2 on ${pretrained.label}, demo world (${events} events, seed 1)`);
  console.log(`  paraphrase probe, untouched model: ${await probe(pretrained)}`);

  const corpus = (await readFile(files.corpus, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  const started1 = performance.now();
  const stage1 = await trainEncoderMlm({
    encoder: pretrained,
    corpusLines: corpus,
    outDir: join(work, 'stage1'),
    steps: stage1Steps,
    log: quiet,
  });
  const seconds1 = (performance.now() - started1) / 1000;
  const after1 = encoderFolderAt(stage1.modelDir, pretrained.label);
  console.log(
    `  stage 1: ${stage1.steps} steps in ${seconds1.toFixed(0)} s (${stage1.secondsPerStep.toFixed(2)} s/step); held-out ` +
      `masked-token loss ${stage1.heldOut.before.loss.toFixed(3)} → ${stage1.heldOut.after.loss.toFixed(3)}, perplexity ` +
      `${stage1.heldOut.before.perplexity.toFixed(1)} → ${stage1.heldOut.after.perplexity.toFixed(1)}`,
  );
  console.log(`  paraphrase probe after stage 1: ${await probe(after1)}`);

  const started2 = performance.now();
  const stage2 = await runEncoderContrastiveJob({
    encoder: after1,
    pairsPath: files.pairs,
    itemsPath: files.items,
    datasetPath: files.dataset,
    outDir: join(work, 'stage2'),
    steps: stage2Steps,
    batchSize: 16,
    trainableLayers: 1,
    evaluate: false,
    log: quiet,
  });
  const seconds2 = (performance.now() - started2) / 1000;
  console.log(
    `  stage 2: ${stage2.steps} steps in ${seconds2.toFixed(0)} s (${stage2.secondsPerStep.toFixed(2)} s/step); ` +
      `InfoNCE ${stage2.lossStart.toFixed(3)} → ${stage2.lossEnd.toFixed(3)}`,
  );
  console.log(
    `  paraphrase probe after stages 1 + 2: ${await probe(encoderFolderAt(stage2.modelDir, pretrained.label))}`,
  );
  const total = seconds1 + seconds2;
  console.log(`  stages 1 + 2: ${(total / 60).toFixed(1)} min (goal ≤ 10 min on 2 cores)`);
  console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  await rm(work, { recursive: true, force: true });
}
