-- The environment key a work item's sessions token was minted under (null for the cloud sandbox's own token
-- and for tokens minted before this column). Authentication refuses a token whose key is revoked or whose
-- environment is archived, so revocation reaches the tokens a key handed out.
ALTER TABLE sessions_tokens ADD COLUMN environment_key_id TEXT;
