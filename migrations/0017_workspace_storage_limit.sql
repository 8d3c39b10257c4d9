-- The operator's override of max_storage_bytes (bytes of files and skill versions a workspace keeps in R2);
-- NULL means the deployment's default (src/limits/workspace-limits.ts).
ALTER TABLE workspace_limits ADD COLUMN max_storage_bytes INTEGER;
