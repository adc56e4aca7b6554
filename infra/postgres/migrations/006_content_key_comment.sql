-- The content-key code moved with the layered layout (docs/architecture.md); the column comment follows.
-- Applied migrations never change, so the new path comes in a migration of its own.
COMMENT ON COLUMN embedding_store.content_key IS
  'Content hash of (model_version, template_version, canonical_text): 32 hex chars (src/core/content-key.ts).';
