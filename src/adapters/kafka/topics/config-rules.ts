/**
 * Rules for the values of the Kafka topic configs larr depends on, checked when the catalog is loaded so a
 * typo fails before any broker is asked. Names not covered here go to the broker unchecked.
 */

const CLEANUP_POLICIES = new Set(['delete', 'compact', 'compact,delete', 'delete,compact']);
/**
 * kafkajs, larr's client, decodes only uncompressed and gzip batches without extra codec packages; a topic
 * that makes the broker recompress to another codec would be unreadable for every larr consumer.
 */
const READABLE_COMPRESSION = ['producer', 'gzip', 'uncompressed'];
const KNOWN_COMPRESSION = new Set([...READABLE_COMPRESSION, 'snappy', 'lz4', 'zstd']);

/** Why `value` is not acceptable for config `name`, or undefined when it is. */
export function checkTopicConfigValue(name: string, value: string): string | undefined {
  if (name === 'cleanup.policy') {
    const normalised = value.replace(/\s+/g, '');
    return CLEANUP_POLICIES.has(normalised)
      ? undefined
      : `expected delete, compact or "compact,delete", got ${JSON.stringify(value)}`;
  }
  if (name === 'compression.type') {
    if (READABLE_COMPRESSION.includes(value)) return undefined;
    if (KNOWN_COMPRESSION.has(value)) {
      return (
        `${JSON.stringify(value)} would make the broker store batches larr's kafkajs consumers cannot decode; ` +
        `use ${READABLE_COMPRESSION.join(', ')}`
      );
    }
    return `expected one of ${READABLE_COMPRESSION.join(', ')}, got ${JSON.stringify(value)}`;
  }
  if (name === 'min.insync.replicas') {
    return /^[1-9]\d*$/.test(value) ? undefined : `expected a whole number ≥ 1, got ${JSON.stringify(value)}`;
  }
  if (name.endsWith('.ms') || name.endsWith('.bytes') || name === 'max.message.bytes') {
    return /^(-1|\d+)$/.test(value)
      ? undefined
      : `expected a whole number (or -1 for no limit), got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** `config` with `min.insync.replicas` lowered to `replicationFactor` where it is higher. */
export function capMinInsyncReplicas(
  config: Record<string, string>,
  replicationFactor: number,
): Readonly<Record<string, string>> {
  const minInsync = config['min.insync.replicas'];
  if (minInsync === undefined || Number(minInsync) <= replicationFactor) return config;
  return { ...config, 'min.insync.replicas': String(replicationFactor) };
}
