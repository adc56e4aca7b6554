import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseProperties,
  plaintextPort,
  renderServerProperties,
} from '../../../src/tools/local-broker/server-properties.ts';

void describe('renderServerProperties', () => {
  const text = renderServerProperties({
    port: 29092,
    controllerPort: 29093,
    dataDir: '/tmp/larr state/data',
  });
  const properties = parseProperties(text);

  void it('describes a single-node KRaft broker that is its own controller on loopback', () => {
    assert.equal(properties.get('process.roles'), 'broker,controller');
    assert.equal(properties.get('node.id'), '1');
    assert.equal(properties.get('controller.quorum.voters'), '1@127.0.0.1:29093');
    assert.equal(properties.get('listeners'), 'PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093');
    assert.equal(properties.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:29092');
    assert.equal(properties.get('controller.listener.names'), 'CONTROLLER');
    assert.equal(
      properties.get('listener.security.protocol.map'),
      'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    );
    assert.equal(properties.get('log.dirs'), '/tmp/larr state/data');
  });

  void it('sets every internal topic to one replica, or coordinators never become available', () => {
    for (const key of [
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
      'transaction.state.log.min.isr',
      'share.coordinator.state.topic.replication.factor',
      'share.coordinator.state.topic.min.isr',
    ]) {
      assert.equal(properties.get(key), '1', key);
    }
  });

  void it('joins groups without delay, creates no topics on demand and defaults to one partition', () => {
    assert.equal(properties.get('group.initial.rebalance.delay.ms'), '0');
    assert.equal(properties.get('auto.create.topics.enable'), 'false');
    assert.equal(properties.get('num.partitions'), '1');
  });

  void it('escapes backslashes in paths so Java reads them back unchanged', () => {
    const windowsLike = renderServerProperties({ port: 1, controllerPort: 2, dataDir: 'C:\\larr\\data' });
    assert.match(windowsLike, /^log\.dirs=C:\\\\larr\\\\data$/m);
    assert.equal(parseProperties(windowsLike).get('log.dirs'), 'C:\\larr\\data');
  });
});

void describe('plaintextPort', () => {
  void it('reads the broker port back from rendered properties', () => {
    assert.equal(
      plaintextPort(renderServerProperties({ port: 31000, controllerPort: 31001, dataDir: '/d' })),
      31000,
    );
  });

  void it('is undefined without a PLAINTEXT listener', () => {
    assert.equal(plaintextPort('# nothing\nnode.id=1\n'), undefined);
  });
});
