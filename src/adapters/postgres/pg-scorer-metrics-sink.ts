import type { Queryable } from './queryable.ts';
import type {
  JoinOutcomeRow,
  PrequentialRow,
  ScorerMetricsIdentity,
  ScorerMetricsSink,
} from '../../pipeline/scorer/prequential-metrics.ts';

/**
 * Writes closed prequential windows to `prequential_metrics` and `join_outcomes`
 * (infra/postgres/migrations/003_scorer.sql). NaN (an AUC of a single-class slice) is stored as NULL.
 */
export class PgScorerMetricsSink implements ScorerMetricsSink {
  readonly #db: Queryable;
  readonly #identity: ScorerMetricsIdentity;

  constructor(db: Queryable, identity: ScorerMetricsIdentity) {
    this.#db = db;
    this.#identity = identity;
  }

  async write(prequential: readonly PrequentialRow[], outcomes: readonly JoinOutcomeRow[]): Promise<void> {
    const { instanceId, consumerGroup, ctrModel } = this.#identity;
    if (prequential.length > 0) {
      const column = <T>(pick: (row: PrequentialRow) => T): T[] => prequential.map(pick);
      await this.#db.query(
        `INSERT INTO prequential_metrics
           (instance_id, consumer_group, ctr_model, window_start, window_end, slice_kind, slice_value,
            labelled, clicks, auc, logloss, gauc, gauc_users, mean_predicted, observed_ctr)
         SELECT $1, $2, $3, * FROM unnest(
           $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::bigint[], $9::bigint[],
           $10::float8[], $11::float8[], $12::float8[], $13::bigint[], $14::float8[], $15::float8[])`,
        [
          instanceId,
          consumerGroup,
          ctrModel,
          column((row) => new Date(row.windowStart).toISOString()),
          column((row) => new Date(row.windowEnd).toISOString()),
          column((row) => row.sliceKind),
          column((row) => row.sliceValue),
          column((row) => row.labelled),
          column((row) => row.clicks),
          column((row) => finiteOrNull(row.auc)),
          column((row) => finiteOrNull(row.logloss)),
          column((row) => finiteOrNull(row.gauc)),
          column((row) => row.gaucUsers),
          column((row) => finiteOrNull(row.meanPredicted)),
          column((row) => finiteOrNull(row.observedCtr)),
        ],
      );
    }
    for (const row of outcomes) {
      const c = row.counts;
      await this.#db.query(
        `INSERT INTO join_outcomes
           (instance_id, consumer_group, window_start, window_end, joined, missing_vector, late_impression,
            evicted_impression, vector_closed, unmatched_vector, late_vector, evicted_vector, rewound, scored,
            unlabelled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [
          instanceId,
          consumerGroup,
          new Date(row.windowStart).toISOString(),
          new Date(row.windowEnd).toISOString(),
          c.joined,
          c.missing_vector,
          c.late_impression,
          c.evicted_impression,
          c.vector_closed,
          c.unmatched_vector,
          c.late_vector,
          c.evicted_vector,
          c.rewound,
          c.scored,
          c.unlabelled,
        ],
      );
    }
  }
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
