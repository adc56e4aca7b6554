import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  planIsClean,
  planTopics,
  sameConfigValue,
  type ActualTopic,
  type DesiredTopic,
} from '../../../../src/adapters/kafka/topics/diff.ts';

const events: DesiredTopic = {
  name: 'scene-events',
  partitions: 6,
  replicationFactor: 1,
  config: { 'cleanup.policy': 'delete', 'retention.ms': '604800000' },
};

/** The topic as a broker that matches `events` reports it, broker defaults included. */
function actualEvents(changes: Partial<ActualTopic> = {}): ActualTopic {
  return {
    name: 'scene-events',
    partitions: 6,
    replicationFactor: 1,
    config: { 'cleanup.policy': 'delete', 'retention.ms': '604800000', 'segment.bytes': '1073741824' },
    ...changes,
  };
}

void describe('planTopics', () => {
  void it('creates a topic the broker does not have', () => {
    const plan = planTopics([events], []);
    assert.deepEqual(plan, { create: [events], upToDate: [], drift: [] });
    assert.equal(planIsClean(plan), false);
  });

  void it('finds nothing to do when the topic matches, ignoring configs the catalog does not set', () => {
    const plan = planTopics([events], [actualEvents()]);
    assert.deepEqual(plan, { create: [], upToDate: [events], drift: [] });
    assert.equal(planIsClean(plan), true);
  });

  void it('reports fewer partitions as drift that an increase can fix', () => {
    const plan = planTopics([events], [actualEvents({ partitions: 3 })]);
    assert.deepEqual(plan.drift, [
      { kind: 'partitions', topic: 'scene-events', desired: 6, actual: 3, canIncrease: true },
    ]);
    assert.deepEqual(plan.upToDate, []);
    assert.equal(planIsClean(plan), false);
  });

  void it('reports more partitions than desired as drift that is never fixed by decreasing', () => {
    const plan = planTopics([events], [actualEvents({ partitions: 12 })]);
    assert.deepEqual(plan.drift, [
      { kind: 'partitions', topic: 'scene-events', desired: 6, actual: 12, canIncrease: false },
    ]);
  });

  void it('reports a different replication factor', () => {
    const plan = planTopics([{ ...events, replicationFactor: 3 }], [actualEvents()]);
    assert.deepEqual(plan.drift, [{ kind: 'replication', topic: 'scene-events', desired: 3, actual: 1 }]);
  });

  void it('reports a config value that differs, with desired and actual', () => {
    const plan = planTopics(
      [events],
      [actualEvents({ config: { 'cleanup.policy': 'delete', 'retention.ms': '86400000' } })],
    );
    assert.deepEqual(plan.drift, [
      {
        kind: 'config',
        topic: 'scene-events',
        setting: 'retention.ms',
        desired: '604800000',
        actual: '86400000',
      },
    ]);
  });

  void it('reports a config the broker does not report at all as not set', () => {
    const desired = { ...events, config: { ...events.config, 'no.such.config': 'x' } };
    const plan = planTopics([desired], [actualEvents()]);
    assert.deepEqual(plan.drift, [
      { kind: 'config', topic: 'scene-events', setting: 'no.such.config', desired: 'x', actual: undefined },
    ]);
  });

  void it('lists every difference of one topic', () => {
    const plan = planTopics(
      [{ ...events, replicationFactor: 3 }],
      [actualEvents({ partitions: 2, config: { 'cleanup.policy': 'compact', 'retention.ms': '1' } })],
    );
    assert.deepEqual(
      plan.drift.map((drift) => (drift.kind === 'config' ? `config ${drift.setting}` : drift.kind)),
      ['partitions', 'replication', 'config cleanup.policy', 'config retention.ms'],
    );
  });

  void it('never plans anything for broker topics outside the catalog', () => {
    const stranger: ActualTopic = { name: 'someone-elses', partitions: 1, replicationFactor: 1, config: {} };
    const plan = planTopics([events], [stranger, actualEvents()]);
    assert.deepEqual(plan, { create: [], upToDate: [events], drift: [] });
  });

  void it('keeps catalog order across create, up to date and drift', () => {
    const a = { ...events, name: 'a' };
    const b = { ...events, name: 'b' };
    const c = { ...events, name: 'c' };
    const d = { ...events, name: 'd' };
    const plan = planTopics(
      [a, b, c, d],
      [actualEvents({ name: 'd' }), actualEvents({ name: 'b' }), actualEvents({ name: 'c', partitions: 1 })],
    );
    assert.deepEqual(
      plan.create.map((topic) => topic.name),
      ['a'],
    );
    assert.deepEqual(
      plan.upToDate.map((topic) => topic.name),
      ['b', 'd'],
    );
    assert.deepEqual(
      plan.drift.map((drift) => drift.topic),
      ['c'],
    );
  });
});

void describe('sameConfigValue', () => {
  void it('compares list-valued configs as sets', () => {
    assert.equal(sameConfigValue('cleanup.policy', 'compact,delete', 'delete, compact'), true);
    assert.equal(sameConfigValue('cleanup.policy', 'compact', 'compact,delete'), false);
  });

  void it('compares other configs as trimmed strings', () => {
    assert.equal(sameConfigValue('retention.ms', ' 1000 ', '1000'), true);
    assert.equal(sameConfigValue('retention.ms', '1000', '1000.0'), false);
    assert.equal(sameConfigValue('compression.type', 'producer', 'gzip'), false);
  });
});
