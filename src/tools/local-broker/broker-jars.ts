import { randomBytes } from 'node:crypto';
import { open, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LarrError, TransientError } from '../../core/errors.ts';
import { brokerLayout, type BrokerOptions } from './broker-options.ts';
import { lastLines, requireJava, requireMaven, runTool } from './java-tools.ts';

/** Written last into a jars dir; a dir without it is never put on a classpath. */
const COMPLETE_MARKER = '.larr-complete';
/** A fetch that died leaves its temporary dir behind; one this old is certainly abandoned. */
const ABANDONED_FETCH_MS = 60 * 60 * 1000;

/** `<kafka.version>` of infra/kafka/pom.xml: the one place the broker version is pinned. */
export function readPinnedKafkaVersion(pomXml: string, pomFile = 'infra/kafka/pom.xml'): string {
  const match = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pomXml);
  const version = match?.[1];
  if (version === undefined) {
    throw new LarrError(
      'KAFKA_VERSION_MISSING',
      `${pomFile} has no <kafka.version> property; add one under <properties>, e.g. <kafka.version>4.1.1</kafka.version>`,
    );
  }
  // The version becomes part of a cache path, so it must be a plain version and nothing else.
  if (!/^\d+\.\d+\.\d+([.-][A-Za-z0-9.-]+)?$/.test(version)) {
    throw new LarrError(
      'KAFKA_VERSION_INVALID',
      `${pomFile}: <kafka.version> must be a release such as 4.1.1, got ${JSON.stringify(version)}`,
    );
  }
  return version;
}

export async function pinnedKafkaVersion(projectDir: string): Promise<string> {
  const { pomFile } = brokerLayout({ projectDir });
  let pomXml: string;
  try {
    pomXml = await readFile(pomFile, 'utf8');
  } catch (err) {
    throw new LarrError(
      'KAFKA_POM_MISSING',
      `cannot read ${pomFile}; run larr from its repository or set the project dir to the repository root`,
      { cause: err },
    );
  }
  return readPinnedKafkaVersion(pomXml, pomFile);
}

/** `$LARR_CACHE_DIR`, else `$XDG_CACHE_HOME/larr`, else `~/.cache/larr`. */
export function larrCacheRoot(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const explicit = env.LARR_CACHE_DIR?.trim();
  if (explicit) return explicit;
  const xdg = env.XDG_CACHE_HOME?.trim();
  if (xdg) return join(xdg, 'larr');
  return join(home, '.cache', 'larr');
}

export function brokerJarsDir(kafkaVersion: string, cacheRoot: string = larrCacheRoot()): string {
  return join(cacheRoot, `kafka-${kafkaVersion}`);
}

/**
 * Makes sure the broker's runtime classpath (about 50 MB of jars) is in the cache and returns its dir.
 * Maven downloads into a temporary dir beside the final one, which is renamed into place only when complete,
 * so a download cut short is never used and two processes fetching at once cannot mix their files.
 */
export async function ensureBrokerJars(opts: Pick<BrokerOptions, 'projectDir' | 'log'>): Promise<string> {
  const log = opts.log ?? (() => {});
  const version = await pinnedKafkaVersion(opts.projectDir);
  const cacheRoot = larrCacheRoot();
  const jarsDir = brokerJarsDir(version, cacheRoot);
  if (await isMarkedComplete(jarsDir, version)) return jarsDir;
  if (await adoptUnmarkedJars(jarsDir, version)) {
    log(`Using the Kafka ${version} jars already in ${jarsDir}`);
    return jarsDir;
  }

  await requireJava();
  const mvn = await requireMaven();
  await mkdir(cacheRoot, { recursive: true });
  await removeAbandonedFetches(cacheRoot);
  const partialDir = await mkdtemp(join(cacheRoot, `.kafka-${version}.partial-`));
  log(`Fetching the Kafka ${version} broker jars with Maven into ${jarsDir} (about 50 MB, once)...`);
  try {
    const { pomFile } = brokerLayout(opts);
    const run = await runTool(mvn, [
      '-B',
      '-q',
      '-f',
      pomFile,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${partialDir}`,
    ]);
    if (run.exitCode !== 0) {
      throw new TransientError(
        'KAFKA_JARS_FETCH_FAILED',
        `mvn could not fetch the Kafka ${version} jars (exit ${run.exitCode ?? run.signal}); check access to ` +
          `Maven Central (or the mirror in ~/.m2/settings.xml) and run \`larr infra up\` again. mvn said:\n` +
          lastLines(run.output, 30),
      );
    }
    const jars = await listJars(partialDir);
    const missing = missingRequiredJars(jars, version);
    if (missing.length > 0) {
      throw new LarrError(
        'KAFKA_JARS_INCOMPLETE',
        `mvn finished but ${missing.join(', ')} is missing from the classpath; check the dependencies in ${pomFile}`,
      );
    }
    await writeMarker(partialDir, version, jars);
    // Another process may have finished the same fetch meanwhile; its complete copy is as good as ours.
    if (!(await isMarkedComplete(jarsDir, version))) {
      await moveAside(jarsDir);
      try {
        await rename(partialDir, jarsDir);
      } catch (err) {
        if (!(await isMarkedComplete(jarsDir, version))) throw err;
      }
    }
  } finally {
    await rm(partialDir, { recursive: true, force: true });
  }
  log(`Kafka ${version} jars are in ${jarsDir}`);
  return jarsDir;
}

async function isMarkedComplete(jarsDir: string, version: string): Promise<boolean> {
  try {
    const marker = JSON.parse(await readFile(join(jarsDir, COMPLETE_MARKER), 'utf8')) as {
      kafkaVersion?: unknown;
    };
    return marker.kafkaVersion === version;
  } catch {
    return false;
  }
}

/**
 * A jars dir filled by hand or by an older larr has no marker. It is taken into use (and marked) only when
 * the broker's own jars are there and every jar is a whole zip file; otherwise it is fetched again.
 */
async function adoptUnmarkedJars(jarsDir: string, version: string): Promise<boolean> {
  let jars: string[];
  try {
    jars = await listJars(jarsDir);
  } catch {
    return false;
  }
  if (missingRequiredJars(jars, version).length > 0) return false;
  for (const jar of jars) {
    if (!(await isWholeZip(join(jarsDir, jar)))) return false;
  }
  await writeMarker(jarsDir, version, jars);
  return true;
}

function missingRequiredJars(jars: readonly string[], version: string): string[] {
  const required: [string, (jar: string) => boolean][] = [
    [`kafka_2.13-${version}.jar`, (jar) => jar === `kafka_2.13-${version}.jar`],
    [`kafka-clients-${version}.jar`, (jar) => jar === `kafka-clients-${version}.jar`],
    ['log4j-core-*.jar', (jar) => jar.startsWith('log4j-core-')],
    ['log4j-slf4j-impl-*.jar', (jar) => jar.startsWith('log4j-slf4j-impl-')],
  ];
  return required.filter(([, present]) => !jars.some(present)).map(([name]) => name);
}

async function listJars(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.jar')).sort();
}

async function writeMarker(jarsDir: string, version: string, jars: readonly string[]): Promise<void> {
  const temporary = join(jarsDir, `${COMPLETE_MARKER}.${randomBytes(4).toString('hex')}`);
  await writeFile(temporary, `${JSON.stringify({ kafkaVersion: version, jars }, null, 2)}\n`);
  await rename(temporary, join(jarsDir, COMPLETE_MARKER));
}

/** A zip (jar) ends with an end-of-central-directory record, so a truncated download lacks one. */
export async function isWholeZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    // The record is 22 bytes plus a comment of at most 65535 bytes.
    const length = Math.min(size, 22 + 65535);
    if (length < 22) return false;
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
    return tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) >= 0;
  } finally {
    await handle.close();
  }
}

/** An invalid jars dir is renamed away first (rename is atomic), then deleted. */
async function moveAside(jarsDir: string): Promise<void> {
  const aside = `${jarsDir}.invalid-${randomBytes(4).toString('hex')}`;
  try {
    await rename(jarsDir, aside);
  } catch {
    return;
  }
  await rm(aside, { recursive: true, force: true });
}

async function removeAbandonedFetches(cacheRoot: string): Promise<void> {
  for (const name of await readdir(cacheRoot)) {
    if (!/^\.kafka-.*\.partial-/.test(name)) continue;
    const path = join(cacheRoot, name);
    try {
      if (Date.now() - (await stat(path)).mtimeMs > ABANDONED_FETCH_MS)
        await rm(path, { recursive: true, force: true });
    } catch {
      // already gone
    }
  }
}
