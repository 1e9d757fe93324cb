DROP TABLE recovery_tokens;
ALTER TABLE users DROP COLUMN recovery_auth_key_hash;
