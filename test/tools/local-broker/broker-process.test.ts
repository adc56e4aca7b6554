import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { brokerLayout, type BrokerLayout } from '../../../src/tools/local-broker/broker-options.ts';
import {
  portAnswers,
  readPidFile,
  removePidFile,
  runningBrokerPid,
  stopProcess,
  writePidFile,
} from '../../../src/tools/local-broker/broker-process.ts';
import { isProcessAlive } from '../../../src/tools/local-broker/process-liveness.ts';

function listen(): Promise<Server & { port: number }> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(Object.assign(server, { port: typeof address === 'object' && address ? address.port : 0 }));
    });
  });
}

async function spawnWaiting(script: string): Promise<number> {
  const child = spawn('sh', ['-c', script], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  // Give the shell time to install its trap before it is signalled.
  await sleep(100);
  assert.ok(child.pid !== undefined);
  return child.pid;
}

void describe('broker-process', () => {
  let layout: BrokerLayout;
  before(async () => {
    layout = brokerLayout({ projectDir: '/nowhere', stateDir: await mkdtemp(join(tmpdir(), 'larr-proc-')) });
  });
  after(() => rm(layout.stateDir, { recursive: true, force: true }));

  void it('tells a listening port from a closed one', async () => {
    const server = await listen();
    assert.equal(await portAnswers(server.port), true);
    await new Promise((resolve) => server.close(resolve));
    assert.equal(await portAnswers(server.port), false);
  });

  void it('round-trips the pid file', async () => {
    assert.equal(await readPidFile(layout), undefined);
    await writePidFile(layout, 4242);
    assert.equal(await readPidFile(layout), 4242);
    await removePidFile(layout);
    assert.equal(await readPidFile(layout), undefined);
  });

  void it('does not take a live process that is not our broker for the broker (pid reuse)', async () => {
    await writePidFile(layout, process.pid);
    assert.equal(await isProcessAlive(process.pid), true);
    assert.equal(await runningBrokerPid(layout), undefined);
    await removePidFile(layout);
  });

  void it('stops a process with SIGTERM', async () => {
    const pid = await spawnWaiting('sleep 30');
    assert.equal(await stopProcess(pid, 5000), 'terminated');
    assert.equal(await isProcessAlive(pid), false);
  });

  void it('kills a process that ignores SIGTERM once the grace period ends', async () => {
    const pid = await spawnWaiting('trap "" TERM; while true; do sleep 0.05; done');
    assert.equal(await stopProcess(pid, 300), 'killed');
    assert.equal(await isProcessAlive(pid), false);
  });

  void it('reports a process that is already gone', async () => {
    const pid = await spawnWaiting('exit 0');
    await sleep(100);
    assert.equal(await stopProcess(pid, 100), 'gone');
  });
});
