import { AvroCodec } from './codec.ts';
import { loadLatestSchema } from './load-schemas.ts';
import type {
  CtrScore,
  DeadLetter,
  Impression,
  ModelUpdate,
  SceneEvent,
  SceneVector,
} from '../../core/records.ts';
import type { SchemaRegistry } from './registry.ts';

/** Registry subjects of larr's records (RecordNameStrategy: the record's full name). */
export const SUBJECTS = {
  sceneEvent: 'dev.larr.SceneEvent',
  impression: 'dev.larr.Impression',
  sceneVector: 'dev.larr.SceneVector',
  ctrScore: 'dev.larr.CtrScore',
  modelUpdate: 'dev.larr.ModelUpdate',
  deadLetter: 'dev.larr.DeadLetter',
} as const;

/** The TypeScript shape of each subject's records. */
export interface SubjectRecords {
  'dev.larr.SceneEvent': SceneEvent;
  'dev.larr.Impression': Impression;
  'dev.larr.SceneVector': SceneVector;
  'dev.larr.CtrScore': CtrScore;
  'dev.larr.ModelUpdate': ModelUpdate;
  'dev.larr.DeadLetter': DeadLetter;
}

export type Subject = keyof SubjectRecords;

/** A codec for one of larr's records, reading with the newest local `.avsc` of that record. */
export async function createRecordCodec<S extends Subject>(
  registry: SchemaRegistry,
  projectDir: string,
  subject: S,
): Promise<AvroCodec<SubjectRecords[S]>> {
  const { schema } = await loadLatestSchema(projectDir, subject);
  return new AvroCodec<SubjectRecords[S]>(registry, subject, schema);
}
