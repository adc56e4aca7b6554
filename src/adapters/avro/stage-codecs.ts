/** The Avro codecs a stage decodes and encodes with, by name, resolved at start-up. */
import type { AvroCodec } from './codec.ts';
import type { SchemaRegistry } from './registry.ts';
import { createRecordCodec, type Subject, type SubjectRecords } from './subjects.ts';

type Codecs<S extends Record<string, Subject>> = { readonly [K in keyof S]: AvroCodec<SubjectRecords[S[K]]> };

/**
 * The codecs a stage decodes (`reads`) and encodes (`writes`) with, under the names given. The writer ids of
 * `writes` are resolved now: a schema that is not registered should stop start-up, not the first batch.
 */
export async function createStageCodecs<R extends Record<string, Subject>, W extends Record<string, Subject>>(
  config: { readonly projectDir: string },
  registry: SchemaRegistry,
  subjects: { readonly reads: R; readonly writes: W },
): Promise<Codecs<R> & Codecs<W>> {
  const codecs = new Map(
    await Promise.all(
      Object.entries({ ...subjects.reads, ...subjects.writes }).map(
        async ([name, subject]) =>
          [name, await createRecordCodec(registry, config.projectDir, subject)] as const,
      ),
    ),
  );
  await Promise.all(Object.keys(subjects.writes).map((name) => codecs.get(name)!.writerId()));
  const byName: Record<string, unknown> = Object.fromEntries(codecs);
  return byName as Codecs<R> & Codecs<W>;
}
