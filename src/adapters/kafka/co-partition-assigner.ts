import kafkajs, { type Assigner, type PartitionAssigner } from 'kafkajs';

// Node cannot see these as named exports of the CommonJS kafkajs module.
const { AssignerProtocol } = kafkajs;

/** Partitions per topic per member id: `{ memberId: { topic: [partition, …] } }`. */
export type CoPartitionAssignment = Record<string, Record<string, number[]>>;

/**
 * Co-partitioned assignment, pure: partition number p of *every* subscribed topic goes to the same
 * member, so a join keyed the same way on both topics (event id, same partition count, same default
 * partitioner) finds both sides of a key on one instance. Partition numbers are dealt round-robin over the
 * members sorted by id, so every member computes the same answer and 6 partitions split evenly over 1, 2,
 * 3 or 6 members. A topic with fewer partitions than another simply has no partition p for some members.
 */
export function coPartitionAssignment(
  memberIds: readonly string[],
  partitionsByTopic: Readonly<Record<string, readonly number[]>>,
): CoPartitionAssignment {
  const members = [...memberIds].sort();
  const assignment: CoPartitionAssignment = {};
  for (const member of members) assignment[member] = {};
  if (members.length === 0) return assignment;
  for (const [topic, partitions] of Object.entries(partitionsByTopic)) {
    for (const partition of [...partitions].sort((a, b) => a - b)) {
      const member = members[partition % members.length]!;
      const byTopic = assignment[member]!;
      (byTopic[topic] ??= []).push(partition);
    }
  }
  return assignment;
}

export const CO_PARTITION_ASSIGNER_NAME = 'LarrCoPartitionAssigner';

/**
 * The kafkajs `PartitionAssigner` for co-partitioned joins (see `coPartitionAssignment`). Every member of
 * the group must use it: the broker picks a protocol all members support, and a member with only the
 * round-robin assigner would break the co-location silently.
 */
export const CoPartitionAssigner: PartitionAssigner = ({ cluster }) => {
  const assigner: Assigner = {
    name: CO_PARTITION_ASSIGNER_NAME,
    version: 0,
    async assign({ members, topics }) {
      const partitionsByTopic: Record<string, number[]> = {};
      for (const topic of topics) {
        partitionsByTopic[topic] = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
      }
      const assignment = coPartitionAssignment(
        members.map((member) => member.memberId),
        partitionsByTopic,
      );
      return Object.entries(assignment).map(([memberId, byTopic]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: assigner.version,
          assignment: byTopic,
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: assigner.name,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: assigner.version,
          topics,
          userData: Buffer.alloc(0),
        }),
      };
    },
  };
  return assigner;
};
