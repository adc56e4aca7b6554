import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { LarrError } from '../../core/errors.ts';

/** Bytes gathered before one write to the stream: fewer, larger writes are much faster than one per line. */
const CHUNK_CHARS = 256 * 1024;

/**
 * A text file written line by line with backpressure: `write` resolves at once unless the stream's buffer
 * is full, in which case it waits for `drain`, so a fast producer never holds more than a chunk or two.
 * The parent folder is created if missing; a write failure (disk full, permissions) rejects the next
 * `write` or `close` with an error naming the file, instead of crashing the process.
 */
export class LineSink {
  private readonly stream: WriteStream;
  private pending: string[] = [];
  private pendingChars = 0;
  lines = 0;

  private failure: Error | undefined;

  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (cause) {
      throw new LarrError('OUTPUT_WRITE_FAILED', `cannot create the folder of ${path}`, { cause });
    }
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.on('error', (cause) => {
      this.failure ??= new LarrError('OUTPUT_WRITE_FAILED', `cannot write ${path}`, { cause });
    });
  }

  async write(line: string): Promise<void> {
    if (this.failure) throw this.failure;
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
    if (!this.stream.write(chunk)) await this.settle(once(this.stream, 'drain'));
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    await this.flush();
    const finished = once(this.stream, 'finish');
    this.stream.end();
    await this.settle(finished);
    if (this.failure) throw this.failure;
  }

  /** Waits for a stream event; a stream error becomes this sink's error naming the file. */
  private async settle(event: Promise<unknown>): Promise<void> {
    try {
      await event;
    } catch {
      if (this.failure) throw this.failure;
      throw new LarrError('OUTPUT_WRITE_FAILED', `cannot write ${this.path}`);
    }
  }

  /** Closes the file without waiting, after a failure elsewhere. */
  destroy(): void {
    this.stream.destroy();
  }
}
