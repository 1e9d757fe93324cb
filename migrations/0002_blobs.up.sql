-- Blobs: the encrypted originals, thumbnails and previews records point to. The server knows each blob's owner,
-- size and storage location, never its contents. Lifecycle and garbage collection: docs/storage.md.

-- A user's own S3 bucket ("bring your own bucket"); the user's new blobs go to their active one. Credentials are
-- encrypted with the server's storage key (AES-256-GCM: version byte || nonce || ciphertext || tag).
CREATE TABLE storage_configs (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  endpoint              text,                                   -- NULL: AWS's default endpoint for the region
  region                text NOT NULL,
  bucket                text NOT NULL,
  force_path_style      boolean NOT NULL DEFAULT false,
  key_prefix            text NOT NULL DEFAULT '',
  credentials_encrypted bytea NOT NULL,
  active                boolean NOT NULL DEFAULT true,
  verified_at           timestamptz NOT NULL,                   -- when the test write succeeded
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX storage_configs_active_user_id_idx ON storage_configs (user_id) WHERE active;
CREATE INDEX storage_configs_user_id_idx ON storage_configs (user_id);

-- Per-user storage accounting, created on a user's first reservation. used_bytes = committed blob bytes.
CREATE TABLE blob_quotas (
  user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  quota_bytes bigint CHECK (quota_bytes >= 0),                  -- NULL: the server's default quota
  used_bytes  bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0)
);

CREATE TABLE blobs (
  id                  uuid PRIMARY KEY,
  owner_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  size                bigint NOT NULL CHECK (size >= 0),        -- declared at reservation, checked at commit
  state               text NOT NULL DEFAULT 'reserved' CHECK (state IN ('reserved', 'committed')),
  -- NULL: the server's own store. Not cascading: a bucket config is deactivated, never deleted, while blobs use it
  -- (deleting the user removes both in one statement, which this constraint allows).
  storage_config_id   uuid REFERENCES storage_configs (id),
  storage_key         text NOT NULL,
  multipart_upload_id text,                                     -- set while an S3 multipart upload is open
  created_at          timestamptz NOT NULL DEFAULT now(),
  committed_at        timestamptz,
  -- When the GC first saw no live record referring to the blob; NULL while one does. See: [Note: Blob GC]
  unreferenced_since  timestamptz,
  CHECK ((state = 'committed') = (committed_at IS NOT NULL))
);
CREATE INDEX blobs_owner_id_state_idx ON blobs (owner_id, state);
CREATE INDEX blobs_reserved_created_at_idx ON blobs (created_at) WHERE state = 'reserved';
CREATE INDEX blobs_unreferenced_since_idx ON blobs (unreferenced_since) WHERE unreferenced_since IS NOT NULL;
CREATE INDEX blobs_storage_config_id_idx ON blobs (storage_config_id) WHERE storage_config_id IS NOT NULL;

-- "Which live records refer to this blob?": download authorisation and the GC ask it.
CREATE INDEX records_live_blob_ids_idx ON records USING gin (blob_ids) WHERE NOT deleted;
