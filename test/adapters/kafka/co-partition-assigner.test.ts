import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import {
  coPartitionAssignment,
  CoPartitionAssigner,
} from '../../../src/adapters/kafka/co-partition-assigner.ts';

const { AssignerProtocol } = kafkajs;
const SIX = [0, 1, 2, 3, 4, 5];
const topics = { 'scene-vectors': SIX, impressions: SIX };

/** Owner of each (topic, partition), checking that every partition has exactly one owner. */
function owners(assignment: Record<string, Record<string, number[]>>): Map<string, string> {
  const owner = new Map<string, string>();
  for (const [member, byTopic] of Object.entries(assignment)) {
    for (const [topic, partitions] of Object.entries(byTopic)) {
      for (const partition of partitions) {
        const key = `${topic}:${partition}`;
        assert.equal(owner.has(key), false, `${key} assigned twice`);
        owner.set(key, member);
      }
    }
  }
  return owner;
}

for (const memberCount of [1, 2, 3, 4]) {
  test(`${memberCount} member(s): partition p of both topics goes to the same member, all assigned`, () => {
    const members = Array.from({ length: memberCount }, (_, i) => `member-${i}`);
    const assignment = coPartitionAssignment(members, topics);
    const owner = owners(assignment);
    assert.equal(owner.size, 12);
    for (const partition of SIX) {
      assert.equal(owner.get(`scene-vectors:${partition}`), owner.get(`impressions:${partition}`));
    }
    const loads = members.map((member) => assignment[member]?.['impressions']?.length ?? 0);
    assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `uneven: ${loads.join(', ')}`);
  });
}

test('every member computes the same assignment whatever the order it lists members in', () => {
  assert.deepEqual(
    coPartitionAssignment(['b', 'c', 'a'], topics),
    coPartitionAssignment(['a', 'b', 'c'], topics),
  );
});

test('a member gets nothing when there are more members than partitions, and no members gives no work', () => {
  const assignment = coPartitionAssignment(['a', 'b', 'c'], { t: [0, 1] });
  assert.deepEqual(assignment, { a: { t: [0] }, b: { t: [1] }, c: {} });
  assert.deepEqual(coPartitionAssignment([], topics), {});
});

test('the kafkajs assigner encodes the co-partitioned assignment for every member', async () => {
  const cluster = {
    findTopicPartitionMetadata: (topic: string) =>
      (topic in topics ? SIX : []).map((partitionId) => ({ partitionId })),
  };
  const assigner = CoPartitionAssigner({ cluster, groupId: 'g', logger: undefined } as never);
  const members = [
    { memberId: 'm2', memberMetadata: Buffer.alloc(0) },
    { memberId: 'm1', memberMetadata: Buffer.alloc(0) },
  ];
  const result = await assigner.assign({ members, topics: Object.keys(topics) });
  const decoded = Object.fromEntries(
    result.map(({ memberId, memberAssignment }) => [
      memberId,
      AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment,
    ]),
  );
  assert.deepEqual(decoded, {
    m1: { 'scene-vectors': [0, 2, 4], impressions: [0, 2, 4] },
    m2: { 'scene-vectors': [1, 3, 5], impressions: [1, 3, 5] },
  });
  const protocol = assigner.protocol({ topics: ['impressions'] });
  assert.equal(protocol.name, 'LarrCoPartitionAssigner');
  assert.deepEqual(AssignerProtocol.MemberMetadata.decode(protocol.metadata)?.topics, ['impressions']);
});
