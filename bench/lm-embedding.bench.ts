/**
 * `npm run bench:embed`: texts/s of the pipeline's text embedder (the pretrained encoder on onnxruntime,
 * `LARR_EMBEDDER=pretrained`) at batch 1 and 64 on the distinct scene field texts of simulated events,
 * the single-text latency (p50 / p99), and the hashing baseline embedder measured in the same run.
 * BENCH_PRETRAINED: a catalog name or a folder with model.onnx + tokenizer.json (default: the catalog default, e5-small-v2).
 */
import { HashingEmbedder } from '../src/model/embedders/hashing-embedder.ts';
import { featurize } from '../src/core/featurize/featurize.ts';
import { chooseEmbedder } from '../src/tools/eval/embedder-choice.ts';
import { createWorld } from '../src/tools/simulator/world.ts';
import { simulateScenes } from '../src/tools/simulator/scene-stream.ts';
import type { Embedder } from '../src/model/embedders/embedder.ts';

const model = process.env['BENCH_PRETRAINED'] ?? 'pretrained';
const texts = [
  ...new Set(
    [...simulateScenes(createWorld({ seed: 9 }), { events: 3000 })].flatMap((scene) =>
      featurize(scene.line.event, { maxFieldChars: 512 }).map(({ text }) => text),
    ),
  ),
];

// Consecutive texts of the distinct set, cycled: a call never repeats a text (the embedder dedupes).
const slice = (at: number, batch: number) =>
  Array.from({ length: batch }, (_, i) => texts[(at + i) % texts.length]!);

async function rate(embedder: Embedder, batch: number): Promise<number> {
  const total = batch === 1 ? 256 : 2048;
  await embedder.embed(slice(0, batch)); // warm-up
  const started = performance.now();
  for (let at = 0; at < total; at += batch) await embedder.embed(slice(at, batch));
  return total / ((performance.now() - started) / 1000);
}

async function singleTextLatency(embedder: Embedder): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let at = 0; at < 300; at += 1) {
    const started = performance.now();
    await embedder.embed(slice(at, 1));
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length * 0.5)]!, p99: times[Math.floor(times.length * 0.99)]! };
}

const { embedder } = await chooseEmbedder(
  model.includes('/') ? model : model === 'pretrained' ? model : `pretrained:${model}`,
  {
    hashingDimension: 0,
    texts: [],
    log: (line) => console.error(line),
  },
);
console.log(
  `larr bench embed — ${texts.length} distinct scene field texts, model ${embedder.modelVersion} (${embedder.dimension}-d)`,
);
const hashing = new HashingEmbedder(256);
for (const batch of [1, 64]) {
  const baseline = await rate(hashing, batch);
  const measured = await rate(embedder, batch);
  console.log(
    `  batch ${String(batch).padStart(2)}: ${measured.toFixed(0)} texts/s (hashing baseline ${baseline.toFixed(0)} texts/s, ${(measured / baseline).toFixed(3)}×)`,
  );
}
const latency = await singleTextLatency(embedder);
console.log(`  one text per call: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms`);
console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
await embedder.close?.();
