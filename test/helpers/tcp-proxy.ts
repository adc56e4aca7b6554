/**
 * Test helper (not a test): a TCP proxy on 127.0.0.1 in front of a real server (Postgres, an HTTP model
 * server), whose behaviour a test switches while clients use it, so the drivers meet real network faults:
 *
 * - `forward`: relays bytes both ways.
 * - `drop`: closes every open connection and every new one at once (the client sees the server hang up:
 *   pg's "Connection terminated unexpectedly", fetch's "other side closed").
 * - `blackhole`: accepts connections and never answers; open connections stop carrying bytes (what a
 *   network partition or a firewall dropping packets looks like: the client only learns by timing out).
 *   Back in `forward`, what waited flows on.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'drop' | 'blackhole';

export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  readonly mode: ProxyMode;
  /** Switches the behaviour for open and new connections. */
  setMode(mode: ProxyMode): void;
  /** Connections accepted so far, and how many of them were dropped. */
  readonly stats: { readonly accepted: number; readonly dropped: number };
  /** Closes the listener and every connection. */
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
}

export async function startTcpProxy(
  target: { readonly host: string; readonly port: number },
  initialMode: ProxyMode = 'forward',
): Promise<TcpProxy> {
  let mode = initialMode;
  const pairs = new Set<Pair>();
  const stats = { accepted: 0, dropped: 0 };

  const drop = (pair: Pair) => {
    stats.dropped++;
    pair.client.destroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  };

  const forward = (pair: Pair) => {
    if (pair.upstream === undefined) {
      const upstream = connect(target.port, target.host);
      pair.upstream = upstream;
      upstream.on('error', () => pair.client.destroy());
      upstream.on('close', () => {
        pair.client.destroy();
        pairs.delete(pair);
      });
    }
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  };

  /**
   * Stops relaying without closing: bytes wait unread on both sides, as they would in the network during
   * a partition, and flow again if the mode goes back to `forward` (TCP retransmits once a partition heals).
   */
  const blackhole = (pair: Pair) => {
    pair.client.unpipe();
    pair.upstream?.unpipe();
    pair.client.pause();
    pair.upstream?.pause();
  };

  const server: Server = createServer((client) => {
    stats.accepted++;
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on('error', () => pair.upstream?.destroy());
    client.on('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (mode === 'drop') drop(pair);
    else if (mode === 'forward') forward(pair);
    else blackhole(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the proxy has no TCP address');

  return {
    host: '127.0.0.1',
    port: address.port,
    get mode() {
      return mode;
    },
    stats,
    setMode(next) {
      if (next === mode) return;
      mode = next;
      for (const pair of [...pairs]) {
        if (next === 'drop') drop(pair);
        else if (next === 'forward') forward(pair);
        else blackhole(pair);
      }
    },
    async close() {
      for (const pair of [...pairs]) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
