/**
 * `npm run bench:serve`: the OpenAI-compatible embeddings server (hashing embedder) over loopback —
 * texts/s at batch 1 and 64 against the in-process embedder measured in the same run, and round-trip
 * latency. BENCH_MAX_WAIT_MS sets the server micro-batching wait (default 2).
 */
import { HashingEmbedder } from '../src/model/embedders/hashing-embedder.ts';
import { HttpEmbedder } from '../src/adapters/http/http-embedder.ts';
import { startEmbeddingsServer } from '../src/adapters/http/embeddings-server.ts';

const hashing = new HashingEmbedder(256);
const texts = Array.from(
  { length: 20_000 },
  (_, i) => `[WEATHER] light rain ${i % 500} near office park ${i}`,
);
const server = await startEmbeddingsServer({
  embedder: hashing,
  port: 0,
  maxWaitMs: Number(process.env['BENCH_MAX_WAIT_MS'] ?? 2),
});
async function throughput(batch: number, concurrency: number, total: number) {
  const client = new HttpEmbedder({
    url: server.url,
    model: hashing.modelVersion,
    dimension: 256,
    batchSize: batch,
    maxInFlight: concurrency,
  });
  await client.embed(texts.slice(0, batch * concurrency)); // warm
  const start = performance.now();
  const calls: Promise<unknown>[] = [];
  for (let w = 0; w < concurrency; w++)
    calls.push(
      (async () => {
        for (let o = w * batch; o < total; o += batch * concurrency)
          await client.embed(texts.slice(o, o + batch));
      })(),
    );
  await Promise.all(calls);
  const s = (performance.now() - start) / 1000;
  return total / s;
}
const direct = (() => {
  const s = performance.now();
  for (const t of texts) hashing.embedOne(t);
  return texts.length / ((performance.now() - s) / 1000);
})();
console.log(`direct hashing: ${direct.toFixed(0)} texts/s`);
for (const [batch, conc, total] of [
  [1, 1, 3000],
  [1, 16, 10000],
  [64, 1, 20000],
  [64, 4, 20000],
] as const) {
  const before = { ...server.stats };
  const rate = await throughput(batch, conc, total);
  const calls = server.stats.modelCalls - before.modelCalls,
    reqs = server.stats.requests - before.requests;
  console.log(
    `batch ${batch}, ${conc} in flight: ${rate.toFixed(0)} texts/s (${reqs} requests, ${calls} model calls, ${(server.stats.texts - before.texts) / calls} texts/call)`,
  );
}
// latency p50/p99, sequential single-request round trips
for (const batch of [1, 64]) {
  const client = new HttpEmbedder({
    url: server.url,
    model: hashing.modelVersion,
    dimension: 256,
    batchSize: batch,
  });
  const lat: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const s = performance.now();
    await client.embed(texts.slice((i * batch) % 10000, ((i * batch) % 10000) + batch));
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  console.log(`round trip batch ${batch}: p50 ${lat[1000]!.toFixed(3)} ms, p99 ${lat[1980]!.toFixed(3)} ms`);
}
await server.close();
