-- Core schema: accounts (users, vaults, sessions, tokens), collections and memberships, versioned ciphertext records.
-- The server stores no plaintext: photos, tags, albums and their links are records whose contents it cannot read.

-- One row: this database's identity. `epoch` changes when a backup is restored (see docs/operations.md), so
-- clients notice a rollback; `prelogin_secret` keys the fake KDF salts given for unknown e-mails.
CREATE TABLE server_meta (
  singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  epoch           uuid NOT NULL,
  prelogin_secret bytea NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email                 varchar(254) NOT NULL UNIQUE,          -- stored lower-cased
  auth_key_hash         text NOT NULL,                         -- slow hash of the client's derived auth key
  email_verified        boolean NOT NULL DEFAULT false,
  email_verified_at     timestamptz,
  mfa_enabled           boolean NOT NULL DEFAULT false,
  mfa_secret_encrypted  bytea,
  failed_login_attempts integer NOT NULL DEFAULT 0,
  locked_until          timestamptz,
  last_login_at         timestamptz,
  password_changed_at   timestamptz NOT NULL DEFAULT now(),
  blocked               boolean NOT NULL DEFAULT false,
  membership_seq        bigint NOT NULL DEFAULT 0,             -- cursor for "collections changed since"
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- The key envelope (seed: wrapped_key, salt, kdf_params, enabled_at, device_fingerprint), opaque to the server.
CREATE TABLE vaults (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id               uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  wrapped_key           bytea NOT NULL,
  salt                  bytea NOT NULL,
  kdf_params            jsonb NOT NULL,
  recovery_wrapped_key  bytea NOT NULL,
  wrapped_identity_keys bytea NOT NULL,
  identity_bundle       jsonb NOT NULL,
  enabled_at            timestamptz NOT NULL DEFAULT now(),
  device_fingerprint    text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);

-- A login on one device. Its refresh tokens form one rotation family: reusing a rotated token revokes the session.
CREATE TABLE sessions (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  device_name        varchar(100),
  device_fingerprint text,
  ip_address         text,
  user_agent         text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  last_seen_at       timestamptz NOT NULL DEFAULT now(),
  expires_at         timestamptz NOT NULL,
  revoked_at         timestamptz,
  revoked_reason     text
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- Tokens are stored only as SHA-256 hashes of the random token.
CREATE TABLE access_tokens (
  token_hash bytea PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX access_tokens_session_id_idx ON access_tokens (session_id);
CREATE INDEX access_tokens_expires_at_idx ON access_tokens (expires_at);

CREATE TABLE refresh_tokens (
  token_hash bytea PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  rotated_at timestamptz,                                     -- set when exchanged for a new pair
  revoked    boolean NOT NULL DEFAULT false,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);

-- A collection is a unit of sync and of sharing (the library, an album, a share). `seq` is taken under this row's
-- lock by every write, so commit order equals seq order. See: [Note: Seq is gap-free]
CREATE TABLE collections (
  id              uuid PRIMARY KEY,
  owner_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  seq             bigint NOT NULL DEFAULT 0,
  purge_floor_seq bigint NOT NULL DEFAULT 0,                    -- highest seq of a purged tombstone
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX collections_owner_id_idx ON collections (owner_id);

CREATE TABLE memberships (
  collection_id uuid NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role          text NOT NULL CHECK (role IN ('owner', 'writer', 'reader')),
  key_epoch     integer NOT NULL CHECK (key_epoch > 0),
  encrypted_key bytea NOT NULL,
  seq           bigint NOT NULL,                                -- the member's membership_seq at the last change
  removed_at    timestamptz,                                    -- kept as a tombstone so list diffs see removals
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection_id, user_id)
);
CREATE INDEX memberships_user_id_seq_idx ON memberships (user_id, seq);

CREATE TABLE records (
  collection_id uuid NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  record_id     uuid NOT NULL,
  version       integer NOT NULL CHECK (version > 0),
  deleted       boolean NOT NULL DEFAULT false,
  ciphertext    bytea,                                          -- NULL once a tombstone
  size          integer NOT NULL DEFAULT 0,                     -- ciphertext bytes, for byte-capped pages
  seq           bigint NOT NULL,
  blob_ids      uuid[] NOT NULL DEFAULT '{}',
  last_op_id    uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  PRIMARY KEY (collection_id, record_id),
  CHECK ((deleted AND ciphertext IS NULL) OR (NOT deleted AND ciphertext IS NOT NULL))
);
CREATE UNIQUE INDEX records_collection_id_seq_idx ON records (collection_id, seq);
CREATE INDEX records_tombstones_idx ON records (deleted_at) WHERE deleted;

-- Ops already applied, so a retried push is acknowledged instead of applied twice. Pruned after a retention window.
CREATE TABLE applied_ops (
  collection_id uuid NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  op_id         uuid NOT NULL,
  record_id     uuid NOT NULL,
  version       integer NOT NULL,
  seq           bigint NOT NULL,
  applied_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection_id, op_id)
);
CREATE INDEX applied_ops_applied_at_idx ON applied_ops (applied_at);
