/**
 * Versions of the online LARR model: every `publishEvery` optimizer steps a frozen snapshot of encoder +
 * CTR weights becomes a candidate; the candidate and its parent (the last promoted version) then score the
 * next `evaluationSize` labelled examples — before the live model trains on them, so neither version has
 * seen them — and the candidate is promoted when its AUC is at least the parent's minus `tolerance`. Every
 * candidate becomes a `Publication` (registered with its metrics); promoted ones are also announced.
 *
 * A `OnlineCtrModel` itself (it wraps the learner), so the scorer's test-then-train loop drives it unchanged;
 * the stage drains `takePublications()` and does the I/O (`VersionPublisher`).
 */
import type { NamedArray } from '../../model/weights/tensor-file.ts';
import type { JsonObject } from '../../core/model-version.ts';
import type {
  CtrExample,
  OnlineCtrModel,
  LabelledCtrExample,
} from '../../model/ctr/online/online-ctr-model.ts';
import type { LarrOnlineModel } from '../../model/ctr/online/larr-online-model.ts';
import type { FrozenLarrModel } from '../../model/ctr/online/larr-parts.ts';
import { RecentTrafficEvaluation, type PromotionResult } from './promotion.ts';

export interface VersioningOptions {
  /** Optimizer steps between candidates. */
  readonly publishEvery: number;
  /** Labelled examples both candidate and parent score before the decision. */
  readonly evaluationSize: number;
  /** Promote when candidate AUC ≥ parent AUC − tolerance. @default 0 */
  readonly tolerance?: number;
  /**
   * Whether the versions the model starts from are already in the registry (a warm start from a registry
   * version). Otherwise they are published first, unannounced, as the root of the lineage.
   */
  readonly startRegistered?: boolean;
  readonly log?: (line: string) => void;
}

/** One model version to register: its weights, config and lineage. */
export interface VersionPart {
  readonly version: string;
  readonly parentVersion: string | undefined;
  readonly config: JsonObject;
  readonly weights: Map<string, NamedArray>;
}

/** An encoder + CTR pair to register (and, when `announce`, to announce on model-updates). */
export interface Publication {
  readonly role: 'root' | 'candidate';
  readonly encoder: VersionPart;
  readonly ctr: VersionPart;
  readonly metrics: Record<string, number>;
  readonly announce: boolean;
  readonly promotion: PromotionResult | undefined;
}

export class VersionedLarrModel implements OnlineCtrModel {
  readonly family: string;
  readonly readsFieldEmbeddings = true;
  readonly #model: LarrOnlineModel;
  readonly #options: VersioningOptions;
  #parent: FrozenLarrModel | null = null;
  #pending: { candidate: FrozenLarrModel; evaluation: RecentTrafficEvaluation } | null = null;
  #stepsAtSnapshot = 0;
  #publications: Publication[] = [];
  /** `abandoned`: a candidate still waiting for its evaluation examples when the model was disposed. */
  readonly counts = { candidates: 0, promoted: 0, rejected: 0, abandoned: 0 };

  constructor(model: LarrOnlineModel, options: VersioningOptions) {
    if (!Number.isSafeInteger(options.publishEvery) || options.publishEvery < 1) {
      throw new RangeError(`publishEvery must be ≥ 1, got ${options.publishEvery}`);
    }
    this.#model = model;
    this.#options = options;
    this.family = model.family;
  }

  get version(): string {
    return this.#model.version;
  }

  get model(): LarrOnlineModel {
    return this.#model;
  }

  /** The last promoted version (or the root), once the model has an encoder. */
  get parent(): FrozenLarrModel | null {
    return this.#parent;
  }

  /** True while a candidate waits for its evaluation examples. */
  get evaluating(): boolean {
    return this.#pending !== null;
  }

  score(examples: readonly CtrExample[]): Promise<Float64Array> {
    return this.#model.score(examples);
  }

  async update(examples: readonly LabelledCtrExample[]): Promise<void> {
    this.#ensureRoot();
    this.#evaluate(examples);
    await this.#model.update(examples);
    this.#ensureRoot();
    const steps = this.#model.stats.steps;
    if (
      this.#parent !== null &&
      this.#pending === null &&
      steps - this.#stepsAtSnapshot >= this.#options.publishEvery
    ) {
      const candidate = this.#model.snapshot()!;
      this.#stepsAtSnapshot = steps;
      this.#model.rebase(candidate.ctrVersion);
      this.#pending = { candidate, evaluation: new RecentTrafficEvaluation(this.#options.evaluationSize) };
      this.counts.candidates++;
    }
  }

  /** The publications made since the last call, oldest first; the caller now owns them. */
  takePublications(): Publication[] {
    const taken = this.#publications;
    this.#publications = [];
    return taken;
  }

  /** The first complete snapshot is the root: the parent of the first candidate. */
  #ensureRoot(): void {
    if (this.#parent !== null) return;
    const root = this.#model.snapshot();
    if (root === null) return;
    this.#parent = root;
    this.#stepsAtSnapshot = this.#model.stats.steps;
    this.#model.rebase(root.ctrVersion);
    if (this.#options.startRegistered !== true) {
      this.#publications.push(publication('root', root, undefined, {}, false, undefined));
    }
  }

  /** Scores the examples with the waiting candidate and the parent, before the live model learns them. */
  #evaluate(examples: readonly LabelledCtrExample[]): void {
    const pending = this.#pending;
    const parent = this.#parent;
    if (pending === null || parent === null || examples.length === 0) return;
    const wanted = examples.slice(0, pending.evaluation.missing);
    pending.evaluation.add(
      wanted.map((example) => (example.clicked ? 1 : 0)),
      pending.candidate.score(wanted),
      parent.score(wanted),
    );
    if (!pending.evaluation.complete) return;
    const result = pending.evaluation.result(this.#options.tolerance ?? 0);
    const metrics: Record<string, number> = {
      promoted: result.promoted ? 1 : 0,
      evaluated_examples: result.examples,
      evaluated_clicks: result.clicks,
      online_steps: pending.candidate.steps,
    };
    if (Number.isFinite(result.candidateAuc)) metrics.auc_recent = result.candidateAuc;
    if (Number.isFinite(result.parentAuc)) metrics.parent_auc_recent = result.parentAuc;
    this.#publications.push(
      publication('candidate', pending.candidate, parent, metrics, result.promoted, result),
    );
    this.#options.log?.(
      `scorer: candidate ${pending.candidate.ctrVersion} (encoder ${pending.candidate.encoderVersion}) ` +
        `${result.promoted ? 'promoted' : 'not promoted'} over ${parent.ctrVersion}: ${result.reason} ` +
        `on ${result.examples} examples`,
    );
    this.#pending = null;
    if (result.promoted) {
      this.counts.promoted++;
      parent.dispose();
      this.#parent = pending.candidate;
    } else {
      this.counts.rejected++;
      pending.candidate.dispose();
    }
  }

  /**
   * Releases everything. A candidate still being evaluated is dropped — neither registered nor announced,
   * since it has no verdict — and said so in the log and in `counts.abandoned`.
   */
  dispose(): void {
    const pending = this.#pending;
    if (pending !== null) {
      this.counts.abandoned++;
      this.#options.log?.(
        `scorer: candidate ${pending.candidate.ctrVersion} abandoned at stop with ` +
          `${pending.evaluation.size - pending.evaluation.missing} of ${pending.evaluation.size} evaluation ` +
          'examples (not registered, not announced)',
      );
      this.#pending = null;
      pending.candidate.dispose();
    }
    this.#parent?.dispose();
    this.#model.dispose();
  }
}

function publication(
  role: Publication['role'],
  model: FrozenLarrModel,
  parent: FrozenLarrModel | undefined,
  metrics: Record<string, number>,
  announce: boolean,
  promotion: PromotionResult | undefined,
): Publication {
  return {
    role,
    encoder: {
      version: model.encoderVersion,
      parentVersion: parent?.encoderVersion,
      config: model.encoderConfig(),
      weights: owned(model.encoderWeights()),
    },
    ctr: {
      version: model.ctrVersion,
      parentVersion: parent?.ctrVersion,
      config: model.ctrConfig(),
      weights: owned(model.ctrWeights()),
    },
    metrics,
    announce,
    promotion,
  };
}

/** Copies of the arrays: a backend may hand out views of tensor memory, and the model may be disposed next. */
function owned(weights: Map<string, NamedArray>): Map<string, NamedArray> {
  return new Map(
    [...weights].map(([name, array]) => [name, { shape: [...array.shape], values: array.values.slice() }]),
  );
}
