import { LarrError } from '../../core/errors.ts';
import { publishModelVersion, type PublishModelDeps } from '../versioning/publish-model-version.ts';
import type { Publication, VersionPart } from './online-versioning.ts';

/**
 * Registers the online model's publications in Postgres (encoder first, then the CTR version that names
 * it) and announces promoted ones on model-updates, through `publishModelVersion`. Publications wait in a
 * queue until written, so a database or broker outage delays them and a retry resumes where it stopped
 * (registering the same version twice is a no-op).
 */
export class VersionPublisher {
  readonly #deps: PublishModelDeps;
  readonly #log: (line: string) => void;
  readonly #queue: Publication[] = [];
  readonly totals = { registered: 0, announced: 0, conflicts: 0 };

  constructor(deps: PublishModelDeps, log: (line: string) => void) {
    this.#deps = deps;
    this.#log = log;
  }

  get queued(): number {
    return this.#queue.length;
  }

  enqueue(publications: readonly Publication[]): void {
    this.#queue.push(...publications);
  }

  /** Writes every queued publication, oldest first; rejects (keeping the rest queued) on a failure. */
  async flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      let conflict = false;
      try {
        await this.#publishPart('encoder', next.encoder, next);
        await this.#publishPart('ctr', next.ctr, next);
      } catch (err) {
        // The same id with other content: a restart re-derived a version another run registered
        // differently. Not retriable; the version stays as first registered.
        if (!(err instanceof LarrError) || err.code !== 'MODEL_VERSION_CONFLICT') throw err;
        this.totals.conflicts++;
        this.#log(`scorer: not publishing ${next.ctr.version}: ${err.message}`);
        conflict = true;
      }
      this.#queue.shift();
      if (conflict) continue;
      this.totals.registered++;
      if (next.announce) {
        this.totals.announced++;
        this.#log(`scorer: announced encoder ${next.encoder.version} and CTR ${next.ctr.version}`);
      }
    }
  }

  async #publishPart(kind: 'encoder' | 'ctr', part: VersionPart, publication: Publication): Promise<void> {
    const parentVersion = part.parentVersion === part.version ? undefined : part.parentVersion;
    await publishModelVersion(this.#deps, {
      kind,
      version: part.version,
      ...(parentVersion === undefined ? {} : { parentVersion }),
      config: part.config,
      weights: part.weights,
      metrics: publication.metrics,
      announce: publication.announce,
    });
  }
}
