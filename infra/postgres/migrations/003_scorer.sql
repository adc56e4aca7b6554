-- The scorer's prequential (test-then-train) metrics and join outcomes, one row per scorer instance per
-- metrics window (LARR_SCORER_METRICS_WINDOW_MS), and the analyst views over them. docs/database.md and
-- docs/scorer.md explain them.

CREATE TABLE prequential_metrics (
  id bigserial PRIMARY KEY,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  instance_id text NOT NULL,
  consumer_group text NOT NULL,
  ctr_model text NOT NULL,
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  slice_kind text NOT NULL CHECK (slice_kind IN ('all', 'fallback', 'weather_meal', 'place_kind')),
  slice_value text NOT NULL,
  labelled bigint NOT NULL CHECK (labelled > 0),
  clicks bigint NOT NULL,
  auc double precision,
  logloss double precision,
  gauc double precision,
  gauc_users bigint NOT NULL DEFAULT 0,
  mean_predicted double precision,
  observed_ctr double precision,
  CONSTRAINT prequential_metrics_window CHECK (window_end >= window_start)
);

CREATE INDEX prequential_metrics_slice_window_end ON prequential_metrics (slice_kind, window_end);

COMMENT ON TABLE prequential_metrics IS
  'Prequential CTR metrics: every labelled impression is scored before the model learns from it; one row '
  'per scorer instance, metrics window and slice. Views v_prequential_auc and v_slice_auc roll them up.';
COMMENT ON COLUMN prequential_metrics.id IS 'Row id, in insertion order.';
COMMENT ON COLUMN prequential_metrics.recorded_at IS 'When the row was written.';
COMMENT ON COLUMN prequential_metrics.instance_id IS 'The scorer process that measured the window.';
COMMENT ON COLUMN prequential_metrics.consumer_group IS 'Kafka consumer group of the instance.';
COMMENT ON COLUMN prequential_metrics.ctr_model IS 'CTR model version that scored, e.g. ids-scene-lr-baseline-v1.';
COMMENT ON COLUMN prequential_metrics.window_start IS 'Start of the metrics window (inclusive, processing time).';
COMMENT ON COLUMN prequential_metrics.window_end IS 'End of the metrics window (exclusive); views bucket rows by it.';
COMMENT ON COLUMN prequential_metrics.slice_kind IS
  'all: impressions joined with their scene vector; fallback: impressions scored IDs-only (no vector); '
  'weather_meal, place_kind: the joined impressions by scene slice.';
COMMENT ON COLUMN prequential_metrics.slice_value IS
  'Slice value: all, ids_only, "<weather> × <time slot>" or the place kind; unknown when the event lacked the field.';
COMMENT ON COLUMN prequential_metrics.labelled IS 'Labelled impressions scored in the window and slice.';
COMMENT ON COLUMN prequential_metrics.clicks IS 'Of those, clicked.';
COMMENT ON COLUMN prequential_metrics.auc IS 'ROC AUC of the scores; NULL when the slice has only clicks or only non-clicks.';
COMMENT ON COLUMN prequential_metrics.logloss IS 'Mean binary cross-entropy (natural log, probabilities clipped at 1e-7).';
COMMENT ON COLUMN prequential_metrics.gauc IS
  'Impression-weighted mean of per-user AUC over users with both classes; NULL when there is none.';
COMMENT ON COLUMN prequential_metrics.gauc_users IS 'Users that entered the GAUC (had a click and a non-click).';
COMMENT ON COLUMN prequential_metrics.mean_predicted IS 'Mean predicted click probability (calibration: compare with observed_ctr).';
COMMENT ON COLUMN prequential_metrics.observed_ctr IS 'clicks / labelled.';

CREATE TABLE join_outcomes (
  id bigserial PRIMARY KEY,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  instance_id text NOT NULL,
  consumer_group text NOT NULL,
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  joined bigint NOT NULL DEFAULT 0,
  missing_vector bigint NOT NULL DEFAULT 0,
  late_impression bigint NOT NULL DEFAULT 0,
  evicted_impression bigint NOT NULL DEFAULT 0,
  vector_closed bigint NOT NULL DEFAULT 0,
  unmatched_vector bigint NOT NULL DEFAULT 0,
  late_vector bigint NOT NULL DEFAULT 0,
  evicted_vector bigint NOT NULL DEFAULT 0,
  rewound bigint NOT NULL DEFAULT 0,
  scored bigint NOT NULL DEFAULT 0,
  unlabelled bigint NOT NULL DEFAULT 0,
  CONSTRAINT join_outcomes_window CHECK (window_end >= window_start)
);

CREATE INDEX join_outcomes_window_end ON join_outcomes (window_end);

COMMENT ON TABLE join_outcomes IS
  'How every scene vector and impression left the scorer''s join window, per instance and metrics window '
  '(docs/scorer.md has the policy). View v_join_outcomes rolls them up per minute.';
COMMENT ON COLUMN join_outcomes.id IS 'Row id, in insertion order.';
COMMENT ON COLUMN join_outcomes.recorded_at IS 'When the row was written.';
COMMENT ON COLUMN join_outcomes.instance_id IS 'The scorer process.';
COMMENT ON COLUMN join_outcomes.consumer_group IS 'Kafka consumer group of the instance.';
COMMENT ON COLUMN join_outcomes.window_start IS 'Start of the metrics window (inclusive).';
COMMENT ON COLUMN join_outcomes.window_end IS 'End of the metrics window (exclusive).';
COMMENT ON COLUMN join_outcomes.joined IS 'Impressions joined with their scene vector and scored with it.';
COMMENT ON COLUMN join_outcomes.missing_vector IS
  'Impressions whose vector did not come within LARR_SCORER_JOIN_WINDOW_MS: scored IDs-only.';
COMMENT ON COLUMN join_outcomes.late_impression IS 'Impressions that arrived after their vector left the window: scored IDs-only.';
COMMENT ON COLUMN join_outcomes.evicted_impression IS
  'Impressions pushed out by LARR_SCORER_MAX_PENDING before their vector came: scored IDs-only.';
COMMENT ON COLUMN join_outcomes.vector_closed IS 'Vectors that left the window after joining at least one impression.';
COMMENT ON COLUMN join_outcomes.unmatched_vector IS 'Vectors that left the window without any impression.';
COMMENT ON COLUMN join_outcomes.late_vector IS
  'Vectors that arrived after their impressions had given up (or a second vector of an event): not used.';
COMMENT ON COLUMN join_outcomes.evicted_vector IS 'Vectors pushed out by LARR_SCORER_MAX_PENDING.';
COMMENT ON COLUMN join_outcomes.rewound IS
  'Held records dropped because the consumer rewound to the committed offsets (rebalance, restart); they are read again.';
COMMENT ON COLUMN join_outcomes.scored IS 'CtrScore records produced (joined + IDs-only).';
COMMENT ON COLUMN join_outcomes.unlabelled IS 'Scored impressions without feedback (clicked is null): not in the metrics, not learned from.';

CREATE VIEW v_prequential_auc AS
SELECT date_trunc('minute', window_end) AS minute,
       slice_kind,
       ctr_model,
       sum(labelled)::bigint AS labelled,
       sum(clicks)::bigint AS clicks,
       (sum(auc * labelled) FILTER (WHERE auc IS NOT NULL)
         / nullif(sum(labelled) FILTER (WHERE auc IS NOT NULL), 0))::float8 AS auc,
       (sum(logloss * labelled) / nullif(sum(labelled), 0))::float8 AS logloss,
       (sum(gauc * labelled) FILTER (WHERE gauc IS NOT NULL)
         / nullif(sum(labelled) FILTER (WHERE gauc IS NOT NULL), 0))::float8 AS gauc,
       (sum(mean_predicted * labelled) / nullif(sum(labelled), 0))::float8 AS mean_predicted,
       (sum(clicks)::float8 / nullif(sum(labelled), 0))::float8 AS observed_ctr
FROM prequential_metrics
WHERE slice_kind IN ('all', 'fallback')
GROUP BY 1, 2, 3;

COMMENT ON VIEW v_prequential_auc IS
  'Prequential AUC, log-loss, GAUC and calibration per minute (windows ending in it), joined (all) and IDs-only '
  '(fallback) impressions. Over several windows or instances AUC and GAUC are labelled-weighted means of the '
  'window values, not an AUC over the pooled impressions.';
COMMENT ON COLUMN v_prequential_auc.minute IS 'Minute in which the metric windows ended.';
COMMENT ON COLUMN v_prequential_auc.slice_kind IS 'all (joined with a scene vector) or fallback (IDs only).';
COMMENT ON COLUMN v_prequential_auc.ctr_model IS 'CTR model version.';
COMMENT ON COLUMN v_prequential_auc.labelled IS 'Labelled impressions scored.';
COMMENT ON COLUMN v_prequential_auc.clicks IS 'Of those, clicked.';
COMMENT ON COLUMN v_prequential_auc.auc IS 'Labelled-weighted mean of window AUCs; NULL if no window had both classes.';
COMMENT ON COLUMN v_prequential_auc.logloss IS 'Labelled-weighted mean log-loss (exact over the pooled impressions).';
COMMENT ON COLUMN v_prequential_auc.gauc IS 'Labelled-weighted mean of window GAUCs.';
COMMENT ON COLUMN v_prequential_auc.mean_predicted IS 'Mean predicted probability (exact over the pooled impressions).';
COMMENT ON COLUMN v_prequential_auc.observed_ctr IS 'Observed click rate; calibrated when close to mean_predicted.';

CREATE VIEW v_slice_auc AS
SELECT slice_kind,
       slice_value,
       ctr_model,
       min(window_start) AS first_window_start,
       max(window_end) AS last_window_end,
       sum(labelled)::bigint AS labelled,
       sum(clicks)::bigint AS clicks,
       (sum(auc * labelled) FILTER (WHERE auc IS NOT NULL)
         / nullif(sum(labelled) FILTER (WHERE auc IS NOT NULL), 0))::float8 AS auc,
       (sum(logloss * labelled) / nullif(sum(labelled), 0))::float8 AS logloss,
       (sum(mean_predicted * labelled) / nullif(sum(labelled), 0))::float8 AS mean_predicted,
       (sum(clicks)::float8 / nullif(sum(labelled), 0))::float8 AS observed_ctr
FROM prequential_metrics
WHERE slice_kind IN ('weather_meal', 'place_kind')
GROUP BY 1, 2, 3;

COMMENT ON VIEW v_slice_auc IS
  'Per scene slice (weather × time slot, place kind) over all windows: AUC (labelled-weighted mean of window '
  'AUCs), log-loss and calibration of impressions joined with their scene vector.';
COMMENT ON COLUMN v_slice_auc.slice_kind IS 'weather_meal or place_kind.';
COMMENT ON COLUMN v_slice_auc.slice_value IS 'e.g. "light rain × lunch", "office park"; unknown when the event lacked the field.';
COMMENT ON COLUMN v_slice_auc.ctr_model IS 'CTR model version.';
COMMENT ON COLUMN v_slice_auc.first_window_start IS 'Start of the earliest window with this slice.';
COMMENT ON COLUMN v_slice_auc.last_window_end IS 'End of the latest window with this slice.';
COMMENT ON COLUMN v_slice_auc.labelled IS 'Labelled impressions of the slice.';
COMMENT ON COLUMN v_slice_auc.clicks IS 'Of those, clicked.';
COMMENT ON COLUMN v_slice_auc.auc IS 'Labelled-weighted mean of window AUCs; NULL if no window of the slice had both classes.';
COMMENT ON COLUMN v_slice_auc.logloss IS 'Labelled-weighted mean log-loss.';
COMMENT ON COLUMN v_slice_auc.mean_predicted IS 'Mean predicted probability.';
COMMENT ON COLUMN v_slice_auc.observed_ctr IS 'Observed click rate.';

CREATE VIEW v_join_outcomes AS
SELECT date_trunc('minute', window_end) AS minute,
       sum(joined)::bigint AS joined,
       sum(missing_vector)::bigint AS missing_vector,
       sum(late_impression)::bigint AS late_impression,
       sum(evicted_impression)::bigint AS evicted_impression,
       sum(vector_closed)::bigint AS vector_closed,
       sum(unmatched_vector)::bigint AS unmatched_vector,
       sum(late_vector)::bigint AS late_vector,
       sum(evicted_vector)::bigint AS evicted_vector,
       sum(rewound)::bigint AS rewound,
       sum(scored)::bigint AS scored,
       sum(unlabelled)::bigint AS unlabelled,
       (sum(joined)::float8
         / nullif(sum(joined + missing_vector + late_impression + evicted_impression), 0))::float8 AS join_rate
FROM join_outcomes
GROUP BY 1;

COMMENT ON VIEW v_join_outcomes IS 'Join outcomes per minute over all scorer instances, with the share of impressions joined.';
COMMENT ON COLUMN v_join_outcomes.minute IS 'Minute in which the metric windows ended.';
COMMENT ON COLUMN v_join_outcomes.joined IS 'Impressions scored with their scene vector.';
COMMENT ON COLUMN v_join_outcomes.missing_vector IS 'Impressions scored IDs-only after waiting the whole join window.';
COMMENT ON COLUMN v_join_outcomes.late_impression IS 'Impressions scored IDs-only because their vector had left the window.';
COMMENT ON COLUMN v_join_outcomes.evicted_impression IS 'Impressions scored IDs-only because the window was full.';
COMMENT ON COLUMN v_join_outcomes.vector_closed IS 'Vectors that left after joining.';
COMMENT ON COLUMN v_join_outcomes.unmatched_vector IS 'Vectors that left without an impression.';
COMMENT ON COLUMN v_join_outcomes.late_vector IS 'Vectors that came after their impressions gave up.';
COMMENT ON COLUMN v_join_outcomes.evicted_vector IS 'Vectors pushed out because the window was full.';
COMMENT ON COLUMN v_join_outcomes.rewound IS 'Held records dropped on a consumer rewind (read again).';
COMMENT ON COLUMN v_join_outcomes.scored IS 'CtrScore records produced.';
COMMENT ON COLUMN v_join_outcomes.unlabelled IS 'Scored impressions without feedback.';
COMMENT ON COLUMN v_join_outcomes.join_rate IS 'joined / (joined + missing_vector + late_impression + evicted_impression).';
