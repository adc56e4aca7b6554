import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LarrError } from '../../../src/core/errors.ts';
import { brokerDown, brokerStatus, brokerUp } from '../../../src/tools/local-broker/kafka-broker.ts';

// Covers the paths that need no JVM; starting and stopping a real broker is in kafka-broker.integration.test.ts.
const projectDir = fileURLToPath(new URL('../../..', import.meta.url));

function listen(): Promise<Server & { port: number }> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(Object.assign(server, { port: typeof address === 'object' && address ? address.port : 0 }));
    });
  });
}

void describe('kafka-broker without a broker', () => {
  let stateDir: string;
  let squatter: Server & { port: number };
  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'larr-broker-unit-'));
    squatter = await listen();
  });
  after(async () => {
    await new Promise((resolve) => squatter.close(resolve));
    await rm(stateDir, { recursive: true, force: true });
  });

  void it('reports a stopped broker with its default bootstrap', async () => {
    const status = await brokerStatus({ projectDir, stateDir });
    assert.equal(status.running, false);
    assert.equal(status.pid, undefined);
    assert.equal(status.bootstrap, '127.0.0.1:19092');
    assert.equal(status.dataDir, join(stateDir, 'data'));
    assert.equal(status.logFile, join(stateDir, 'broker.log'));
    assert.match(status.kafkaVersion, /^\d+\.\d+\.\d+$/);
  });

  void it('refuses to start when another program holds the broker or controller port', async () => {
    for (const ports of [
      { port: squatter.port, controllerPort: squatter.port + 1 },
      { port: squatter.port + 1, controllerPort: squatter.port },
    ]) {
      await assert.rejects(
        brokerUp({ projectDir, stateDir, ...ports }),
        (err: LarrError) =>
          err.code === 'PORT_IN_USE' &&
          err.message.includes(`127.0.0.1:${squatter.port}`) &&
          err.message.includes('--port'),
      );
    }
  });

  void it('rejects ports out of range or equal', async () => {
    for (const ports of [{ port: 0 }, { port: 70000 }, { port: 20000, controllerPort: 20000 }]) {
      await assert.rejects(
        brokerUp({ projectDir, stateDir, ...ports }),
        (err: LarrError) => err.code === 'BROKER_PORT_INVALID',
      );
    }
  });

  void it('treats a pid file naming a dead process as stale, and brokerDown removes it', async () => {
    const deadPid = spawnSync('true').pid;
    const pidFile = join(stateDir, 'broker.pid');
    await writeFile(pidFile, `${deadPid}\n`);
    assert.equal((await brokerStatus({ projectDir, stateDir })).running, false);
    const lines: string[] = [];
    await brokerDown({ projectDir, stateDir, log: (line) => lines.push(line) });
    assert.match(lines.join('\n'), new RegExp(`stale pid ${deadPid}`));
    await assert.rejects(access(pidFile), /ENOENT/);
  });
});
