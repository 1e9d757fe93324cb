-- Account recovery with the recovery key. The client derives a second auth key from the recovery key (docs/crypto.md);
-- the server keeps only its slow hash, beside the password's. NULL: the account never sent one (it cannot recover
-- through the server until it rotates its recovery key).
ALTER TABLE users ADD COLUMN recovery_auth_key_hash text;

-- Proof of the recovery key, good for one password reset within minutes. Stored as SHA-256 only, like other tokens.
CREATE TABLE recovery_tokens (
  token_hash bytea PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX recovery_tokens_user_id_idx ON recovery_tokens (user_id);
CREATE INDEX recovery_tokens_expires_at_idx ON recovery_tokens (expires_at);
