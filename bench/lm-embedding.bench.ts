/**
 * `npm run bench:embed`: texts/s of the frozen stage-2 LM embedder in process (`LmEmbedder`, the
 * pipeline's `LARR_EMBEDDER=checkpoint`) at batch 1 and 64, on the scene field texts of simulated events,
 * against the hashing baseline embedder in the same run. BENCH_LM_MODEL: a stage-2 model folder (default:
 * the demo's, trained once and cached).
 */
import { HashingEmbedder } from '../src/model/embedders/hashing-embedder.ts';
import { DEFAULT_DEMO_RECIPE, prepareDemoModels } from '../src/app/demo/demo-models.ts';
import { featurize } from '../src/core/featurize/featurize.ts';
import { LmEmbedder } from '../src/model/text-encoder/lm-embedder.ts';
import { initTensorflow } from '../src/model/runtime/tensorflow-runtime.ts';
import { createWorld } from '../src/tools/simulator/world.ts';
import { simulateScenes } from '../src/tools/simulator/scene-stream.ts';

const modelDir =
  process.env['BENCH_LM_MODEL'] ??
  (await prepareDemoModels(DEFAULT_DEMO_RECIPE, { log: (line) => console.error(line) })).embeddingModelDir;
const runtime = await initTensorflow({ log: () => undefined });
const texts = [
  ...new Set(
    [...simulateScenes(createWorld({ seed: 9 }), { events: 3000 })].flatMap((scene) =>
      featurize(scene.line.event, { maxFieldChars: 512 }).map(({ text }) => text),
    ),
  ),
];

async function rate(embedder: { embed(texts: readonly string[]): Promise<Float32Array[]> }, batch: number) {
  const total = batch === 1 ? 256 : 2048;
  // Consecutive texts of the distinct set, cycled: a call never repeats a text (the embedder dedupes).
  const slice = (at: number) => Array.from({ length: batch }, (_, i) => texts[(at + i) % texts.length]!);
  await embedder.embed(slice(0)); // warm-up
  const started = performance.now();
  for (let at = 0; at < total; at += batch) await embedder.embed(slice(at));
  return total / ((performance.now() - started) / 1000);
}

console.log(
  `larr bench embed — ${texts.length} distinct scene field texts, backend ${runtime.backend}, model ${modelDir}`,
);
const hashing = new HashingEmbedder(256);
const lm = await LmEmbedder.load(modelDir, { batchSize: 64 });
for (const batch of [1, 64]) {
  const baseline = await rate(hashing, batch);
  const measured = await rate(lm, batch);
  console.log(
    `  batch ${String(batch).padStart(2)}: LM ${measured.toFixed(0)} texts/s, hashing baseline ${baseline.toFixed(0)} texts/s`,
  );
}
console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
await lm.close?.();
