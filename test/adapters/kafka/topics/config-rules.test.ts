import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  capMinInsyncReplicas,
  checkTopicConfigValue,
} from '../../../../src/adapters/kafka/topics/config-rules.ts';

void describe('checkTopicConfigValue', () => {
  void it('accepts the cleanup policies Kafka knows, in either order', () => {
    for (const value of ['delete', 'compact', 'compact,delete', 'delete, compact']) {
      assert.equal(checkTopicConfigValue('cleanup.policy', value), undefined, value);
    }
    assert.match(checkTopicConfigValue('cleanup.policy', 'forever') ?? '', /^expected delete, compact/);
  });

  void it('accepts only compression larr consumers can decode', () => {
    for (const value of ['producer', 'gzip', 'uncompressed']) {
      assert.equal(checkTopicConfigValue('compression.type', value), undefined, value);
    }
    for (const value of ['zstd', 'lz4', 'snappy']) {
      assert.match(checkTopicConfigValue('compression.type', value) ?? '', /cannot decode/, value);
    }
  });

  void it('wants whole numbers for durations, sizes and min.insync.replicas', () => {
    assert.equal(checkTopicConfigValue('retention.ms', '-1'), undefined);
    assert.equal(checkTopicConfigValue('retention.bytes', '9223372036854775807'), undefined);
    assert.notEqual(checkTopicConfigValue('segment.ms', '1.5'), undefined);
    assert.notEqual(checkTopicConfigValue('max.message.bytes', '-2'), undefined);
    assert.equal(checkTopicConfigValue('min.insync.replicas', '2'), undefined);
    assert.notEqual(checkTopicConfigValue('min.insync.replicas', '-1'), undefined);
  });

  void it('leaves other configs to the broker', () => {
    assert.equal(checkTopicConfigValue('min.cleanable.dirty.ratio', 'anything'), undefined);
  });
});

void describe('capMinInsyncReplicas', () => {
  void it('lowers min.insync.replicas to the replication factor and leaves lower values alone', () => {
    const config = { 'min.insync.replicas': '2', 'retention.ms': '1' };
    assert.deepEqual(capMinInsyncReplicas(config, 1), { 'min.insync.replicas': '1', 'retention.ms': '1' });
    assert.equal(capMinInsyncReplicas(config, 3), config);
    assert.deepEqual(capMinInsyncReplicas({}, 1), {});
  });
});
