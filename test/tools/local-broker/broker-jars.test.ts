import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  brokerJarsDir,
  ensureBrokerJars,
  isWholeZip,
  larrCacheRoot,
  pinnedKafkaVersion,
  readPinnedKafkaVersion,
} from '../../../src/tools/local-broker/broker-jars.ts';
import type { LarrError } from '../../../src/core/errors.ts';

const projectDir = fileURLToPath(new URL('../../..', import.meta.url));
/** The smallest valid zip: an end-of-central-directory record for an archive with no entries. */
const EMPTY_ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(18)]);

function hasCode(code: string) {
  return (err: unknown) => (err as LarrError).code === code;
}

void describe('readPinnedKafkaVersion', () => {
  void it('reads <kafka.version> from the project pom', async () => {
    const pom = await readFile(join(projectDir, 'infra/kafka/pom.xml'), 'utf8');
    const version = readPinnedKafkaVersion(pom);
    assert.match(version, /^4\.\d+\.\d+$/);
    assert.equal(await pinnedKafkaVersion(projectDir), version);
  });

  void it('tolerates whitespace around the value', () => {
    assert.equal(
      readPinnedKafkaVersion('<properties><kafka.version>\n  4.2.0\n</kafka.version></properties>'),
      '4.2.0',
    );
  });

  void it('names the file and the property when the version is missing', () => {
    assert.throws(
      () => readPinnedKafkaVersion('<project/>', 'x/pom.xml'),
      (err: LarrError) =>
        err.code === 'KAFKA_VERSION_MISSING' && /x\/pom\.xml.*<kafka\.version>/.test(err.message),
    );
  });

  void it('rejects a version that is not a plain release, since it becomes part of a path', () => {
    assert.throws(
      () => readPinnedKafkaVersion('<kafka.version>../../etc</kafka.version>'),
      hasCode('KAFKA_VERSION_INVALID'),
    );
  });
});

void describe('larrCacheRoot', () => {
  void it('prefers LARR_CACHE_DIR, then XDG_CACHE_HOME/larr, then ~/.cache/larr', () => {
    assert.equal(larrCacheRoot({ LARR_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }, '/home/u'), '/c');
    assert.equal(larrCacheRoot({ XDG_CACHE_HOME: '/x' }, '/home/u'), '/x/larr');
    assert.equal(
      larrCacheRoot({ LARR_CACHE_DIR: ' ', XDG_CACHE_HOME: '' }, '/home/u'),
      '/home/u/.cache/larr',
    );
    assert.equal(brokerJarsDir('4.1.1', '/c'), '/c/kafka-4.1.1');
  });
});

void describe('isWholeZip', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'larr-zip-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  void it('accepts a zip and rejects a truncated one', async () => {
    const whole = Buffer.concat([Buffer.alloc(1000, 7), EMPTY_ZIP]);
    await writeFile(join(dir, 'whole.jar'), whole);
    await writeFile(join(dir, 'cut.jar'), whole.subarray(0, 1000));
    await writeFile(join(dir, 'tiny.jar'), Buffer.from('PK'));
    assert.equal(await isWholeZip(join(dir, 'whole.jar')), true);
    assert.equal(await isWholeZip(join(dir, 'cut.jar')), false);
    assert.equal(await isWholeZip(join(dir, 'tiny.jar')), false);
  });
});

void describe('ensureBrokerJars with a prepared cache', () => {
  let cacheRoot: string;
  let version: string;
  const saved = { LARR_CACHE_DIR: process.env.LARR_CACHE_DIR, PATH: process.env.PATH };

  before(async () => {
    cacheRoot = await mkdtemp(join(tmpdir(), 'larr-cache-'));
    version = await pinnedKafkaVersion(projectDir);
    process.env.LARR_CACHE_DIR = cacheRoot;
  });
  after(async () => {
    process.env.LARR_CACHE_DIR = saved.LARR_CACHE_DIR;
    process.env.PATH = saved.PATH;
    if (saved.LARR_CACHE_DIR === undefined) delete process.env.LARR_CACHE_DIR;
    await rm(cacheRoot, { recursive: true, force: true });
  });

  async function fillJars(names: readonly string[], content: Buffer = EMPTY_ZIP): Promise<string> {
    const dir = brokerJarsDir(version, cacheRoot);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const name of names) await writeFile(join(dir, name), content);
    return dir;
  }

  const requiredJars = () => [
    `kafka_2.13-${version}.jar`,
    `kafka-clients-${version}.jar`,
    'log4j-core-2.24.3.jar',
    'log4j-slf4j-impl-2.24.3.jar',
  ];

  void it('adopts a complete unmarked dir and marks it, without running Maven', async () => {
    const dir = await fillJars(requiredJars());
    process.env.PATH = '';
    assert.equal(await ensureBrokerJars({ projectDir }), dir);
    const marker = JSON.parse(await readFile(join(dir, '.larr-complete'), 'utf8')) as {
      kafkaVersion: string;
    };
    assert.equal(marker.kafkaVersion, version);
  });

  void it('does not use a dir with a truncated jar, and says what to install when Java is missing', async () => {
    await fillJars(requiredJars(), Buffer.from('PK\x03\x04 cut short'));
    process.env.PATH = '';
    await assert.rejects(
      ensureBrokerJars({ projectDir }),
      (err: LarrError) =>
        err.code === 'JAVA_MISSING' && err.message.includes('apt-get install openjdk-17-jre-headless maven'),
    );
  });

  void it('does not use a dir that lacks the broker jar', async () => {
    await fillJars(requiredJars().slice(1));
    process.env.PATH = '';
    await assert.rejects(ensureBrokerJars({ projectDir }), hasCode('JAVA_MISSING'));
  });
});
