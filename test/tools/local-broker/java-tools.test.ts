import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LarrError } from '../../../src/core/errors.ts';
import {
  findOnPath,
  lastLines,
  requireJava,
  requireMaven,
  runTool,
} from '../../../src/tools/local-broker/java-tools.ts';

void describe('java-tools', () => {
  void it('finds executables on PATH and nothing on an empty PATH', async () => {
    assert.equal(await findOnPath('sh', { PATH: '/nonexistent:/bin:/usr/bin' }), '/bin/sh');
    assert.equal(await findOnPath('sh', { PATH: '' }), undefined);
  });

  void it('says which packages to install when java or mvn is missing', async () => {
    await assert.rejects(
      requireJava({ PATH: '' }),
      (err: LarrError) =>
        err.code === 'JAVA_MISSING' && err.message.includes('apt-get install openjdk-17-jre-headless maven'),
    );
    await assert.rejects(
      requireMaven({ PATH: '/nonexistent' }),
      (err: LarrError) => err.code === 'MAVEN_MISSING' && err.message.includes('apt-get install'),
    );
  });

  void it('keeps what a tool printed on both streams, and its exit code', async () => {
    const run = await runTool('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(run.exitCode, 3);
    assert.match(run.output, /out/);
    assert.match(run.output, /err/);
  });

  void it('takes the last non-empty lines', () => {
    assert.equal(lastLines('a\nb\n\nc\n\n', 2), 'b\nc');
    assert.equal(lastLines('', 3), '');
    assert.equal(lastLines('\u001b[0m\u001b[1;31m[ERROR]\u001b[m failed\n', 1), '[ERROR] failed');
  });
});
