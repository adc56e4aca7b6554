export interface ServerPropertiesInput {
  readonly port: number;
  readonly controllerPort: number;
  /** Absolute path of the broker's log dir (its partitions and KRaft metadata). */
  readonly dataDir: string;
}

/**
 * `server.properties` of a single-node KRaft broker that is also its own controller, listening on loopback
 * only. The replication settings of 1 are what let group and transaction coordinators exist on one node
 * (without them kafkajs reports "group coordinator not available").
 */
export function renderServerProperties(input: ServerPropertiesInput): string {
  const settings: [string, string | number][] = [
    ['process.roles', 'broker,controller'],
    ['node.id', 1],
    ['controller.quorum.voters', `1@127.0.0.1:${input.controllerPort}`],
    ['listeners', `PLAINTEXT://127.0.0.1:${input.port},CONTROLLER://127.0.0.1:${input.controllerPort}`],
    ['advertised.listeners', `PLAINTEXT://127.0.0.1:${input.port}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'],
    ['log.dirs', input.dataDir],
    ['offsets.topic.replication.factor', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    // Tests join groups constantly; the default 3 s wait for more members would dominate their run time.
    ['group.initial.rebalance.delay.ms', 0],
    // Topics come from the topic catalog; a typo in a topic name must fail, not create a new topic.
    ['auto.create.topics.enable', 'false'],
    ['num.partitions', 1],
  ];
  const lines = settings.map(([key, value]) => `${key}=${escapePropertyValue(String(value))}`);
  return [
    '# Written by `larr infra up`; regenerated on every start, so edits here do not last.',
    ...lines,
    '',
  ].join('\n');
}

/** Reads `key=value` lines of a Java properties file (the subset `renderServerProperties` writes). */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const separator = line.search(/[=:]/);
    if (separator < 0) continue;
    const key = line.slice(0, separator).trim();
    const value = line
      .slice(separator + 1)
      .trim()
      .replace(/\\(.)/g, '$1');
    properties.set(key, value);
  }
  return properties;
}

/** Port of the PLAINTEXT listener in a rendered `server.properties`, if there is one. */
export function plaintextPort(propertiesText: string): number | undefined {
  const listeners = parseProperties(propertiesText).get('listeners') ?? '';
  const match = /PLAINTEXT:\/\/[^,]*:(\d+)/.exec(listeners);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

// Backslash is the properties escape character; a Windows-style path would otherwise lose its separators.
function escapePropertyValue(value: string): string {
  return value.replace(/\\/g, '\\\\');
}
