-- A session's spend ceiling (BetaManagedAgentsBudgetLimit JSON), fixed at creation; null: uncapped.
-- The session's Durable Object enforces it; the index row only renders it.
ALTER TABLE sessions ADD COLUMN budget TEXT;
-- The session's outcome evaluations (rendered `outcome_evaluations`), mirrored by its Durable Object.
ALTER TABLE sessions ADD COLUMN outcome_evaluations TEXT NOT NULL DEFAULT '[]';
