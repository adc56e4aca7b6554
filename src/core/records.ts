/**
 * TypeScript shapes of the Avro records in `schemas/` (reader view, as avsc decodes them:
 * `long` timestamp-millis → number of ms since epoch, `bytes` → Buffer, unions with null → value | null,
 * `float` arrays → number[]). Keep in step with the `.avsc` files; test/schemas checks they agree.
 */

export interface GeoLocation {
  /** WGS84 degrees; null when the source has no coordinates (e.g. Frappe). Schema v2. */
  latitude: number | null;
  longitude: number | null;
  /** Human name of the place, e.g. "Riverside office park". */
  placeName: string;
  district: string | null;
  city: string | null;
  /** Kind of place: office park, university, residential, nightlife, tourist, … */
  placeKind: string | null;
}

export interface Weather {
  /** Free text condition as the source writes it: "light rain", "drizzle", "sunny". */
  condition: string;
  temperatureC: number | null;
}

export interface UserContext {
  /** User profile kind: office worker, student, family, night owl, … */
  segment: string | null;
  /** at home / at work / travelling / … */
  activity: string | null;
  device: string | null;
  partySize: number | null;
}

/**
 * The scene time as the source states it (schema v2), for logs without timestamps (e.g. Frappe's
 * "morning" / "sunday"). When present, featurize uses it instead of deriving slot and weekday from eventTime.
 */
export interface SceneTime {
  /** Time of day as the source writes it, e.g. "morning", "evening". */
  daytime: string | null;
  /** Day of the week as the source writes it, e.g. "sunday". */
  weekday: string | null;
  /** True on a weekend day, when the source says so. */
  weekend: boolean | null;
}

export interface SceneEvent {
  eventId: string;
  /** ms since epoch (Avro timestamp-millis). */
  eventTime: number;
  /** IANA time zone of the place, e.g. "Asia/Shanghai"; time slot and weekday are computed in it. */
  timeZone: string;
  userId: string;
  location: GeoLocation;
  weather: Weather | null;
  userContext: UserContext;
  /** Free-form extra scene fields (name → text), e.g. { "holiday": "Mid-Autumn Festival" }. */
  extra: Record<string, string>;
  /** The scene time as the source states it; null when eventTime is the source of truth. Schema v2. */
  sceneTime: SceneTime | null;
}

export interface Impression {
  impressionId: string;
  /** The SceneEvent this impression was shown in. */
  eventId: string;
  userId: string;
  itemId: string;
  eventTime: number;
  position: number | null;
  /** Feedback label: true when the user clicked; null while no feedback has arrived. */
  clicked: boolean | null;
}

export interface ModelVersions {
  /** Version of the text embedding model (e.g. "hashing-ngram-v1-d256"). */
  embeddingModel: string;
  /** Version of the field-text templates (featurize). */
  templateVersion: string;
  /** Version of the aggregator that made the scene vector (e.g. "mean-v1"). */
  aggregator: string;
}

export interface FeatureKey {
  /** Scene field, e.g. "weather". */
  field: string;
  /** Content-hash key of the field text's embedding. */
  key: string;
}

export interface SourceCoordinates {
  topic: string;
  partition: number;
  offset: number;
}

export interface SceneVector {
  eventId: string;
  userId: string;
  eventTime: number;
  vector: number[];
  models: ModelVersions;
  featureKeys: FeatureKey[];
  source: SourceCoordinates;
  /** ms since epoch when the vector was produced. */
  producedAt: number;
}

export interface CtrScore {
  impressionId: string;
  eventId: string;
  userId: string;
  itemId: string;
  score: number;
  ctrModel: string;
  models: ModelVersions;
  scoredAt: number;
}

export interface ModelUpdate {
  /** "encoder" | "ctr" | "embedding" */
  modelKind: string;
  version: string;
  parentVersion: string | null;
  /** Where the weights live, e.g. "postgres:larr.model_versions/<version>". */
  location: string;
  createdAt: number;
  /** Evaluation numbers of this version (metric name → value). */
  metrics: Record<string, number>;
}

export interface DeadLetter {
  /** Stage that gave up on the record, e.g. "embedder". */
  stage: string;
  reasonCode: string;
  reasonMessage: string;
  source: SourceCoordinates;
  originalKey: Buffer | null;
  originalValue: Buffer | null;
  /** Original Kafka headers; values kept as bytes. */
  originalHeaders: Record<string, Buffer>;
  /** Original record timestamp (ms since epoch). */
  originalTimestamp: number;
  failedAt: number;
}
