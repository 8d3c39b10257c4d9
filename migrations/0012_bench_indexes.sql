-- Found by `npm run bench` (scale): sessions.list filtered by deployment_id walked every session of the
-- workspace (plan: SEARCH sessions USING INDEX sessions_workspace (workspace_id=?)), so a deployment's few
-- runs took a page time that grew with the workspace's session count. Keyed like the other list indexes.
CREATE INDEX sessions_workspace_deployment ON sessions (workspace_id, deployment_id, id);
