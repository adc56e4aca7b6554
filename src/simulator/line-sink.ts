import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** Bytes gathered before one write to the stream: fewer, larger writes are much faster than one per line. */
const CHUNK_CHARS = 256 * 1024;

/**
 * A text file written line by line with backpressure: `write` resolves at once unless the stream's buffer
 * is full, in which case it waits for `drain`, so a fast producer never holds more than a chunk or two.
 */
export class LineSink {
  private readonly stream: WriteStream;
  private pending: string[] = [];
  private pendingChars = 0;
  lines = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { encoding: 'utf8' });
  }

  async write(line: string): Promise<void> {
    this.pending.push(line);
    this.pendingChars += line.length + 1;
    this.lines++;
    if (this.pendingChars >= CHUNK_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.pendingChars = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    const finished = once(this.stream, 'finish');
    this.stream.end();
    await finished;
  }

  /** Closes the file without waiting, after a failure elsewhere. */
  destroy(): void {
    this.stream.destroy();
  }
}
