-- The embedder's scene-vector cache (LARR_AGGREGATOR=agg): a scene seen before, under the same encoder
-- version, is served from an in-process LRU instead of an encoder pass. Counted per metrics window like the
-- embedding cache; 0 for the mean aggregator and for rows written before this migration.
ALTER TABLE stage_metrics
  ADD COLUMN scene_cache_hits bigint NOT NULL DEFAULT 0,
  ADD COLUMN scene_cache_misses bigint NOT NULL DEFAULT 0;

COMMENT ON COLUMN stage_metrics.scene_cache_hits IS
  'Scene vectors served without an encoder pass: found in the scene cache (key: ordered field content keys + '
  'encoder version), or a repeat of a scene earlier in the same chunk.';
COMMENT ON COLUMN stage_metrics.scene_cache_misses IS
  'Distinct scenes that needed an encoder pass (all of them go through one batched pass per chunk).';

CREATE VIEW v_scene_cache_efficiency AS
SELECT stage,
       minute,
       scenes::bigint AS scenes,
       scene_cache_hits::bigint AS scene_cache_hits,
       scene_cache_misses::bigint AS scene_cache_misses,
       (scene_cache_hits / nullif(scenes, 0))::float8 AS scene_cache_hit_rate,
       (scene_cache_misses / nullif(batches, 0))::float8 AS encoded_scenes_per_chunk
FROM (
  SELECT stage,
         date_trunc('minute', window_end) AS minute,
         sum(scene_cache_hits + scene_cache_misses) AS scenes,
         sum(scene_cache_hits) AS scene_cache_hits,
         sum(scene_cache_misses) AS scene_cache_misses,
         sum(batches) AS batches
  FROM stage_metrics
  GROUP BY 1, 2
  HAVING sum(scene_cache_hits + scene_cache_misses) > 0
) AS totals;

COMMENT ON VIEW v_scene_cache_efficiency IS
  'Per stage and minute, for stages that aggregate with an encoder: how many scene vectors the scene cache '
  'served. Minutes without any scene lookup (the mean aggregator) are left out.';
COMMENT ON COLUMN v_scene_cache_efficiency.stage IS 'Pipeline stage.';
COMMENT ON COLUMN v_scene_cache_efficiency.minute IS 'Minute in which the metric windows ended.';
COMMENT ON COLUMN v_scene_cache_efficiency.scenes IS 'Scene vectors made: scene_cache_hits + scene_cache_misses.';
COMMENT ON COLUMN v_scene_cache_efficiency.scene_cache_hits IS 'Scene vectors served without an encoder pass.';
COMMENT ON COLUMN v_scene_cache_efficiency.scene_cache_misses IS 'Distinct scenes encoded.';
COMMENT ON COLUMN v_scene_cache_efficiency.scene_cache_hit_rate IS 'scene_cache_hits / scenes.';
COMMENT ON COLUMN v_scene_cache_efficiency.encoded_scenes_per_chunk IS
  'scene_cache_misses / batches: scenes per batched encoder pass (one pass per chunk).';
