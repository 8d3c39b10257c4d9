-- A session's spend ceiling (BetaManagedAgentsBudgetLimit JSON), fixed at creation; null: uncapped.
-- The session's Durable Object enforces it; the index row only renders it.
ALTER TABLE sessions ADD COLUMN budget TEXT;
