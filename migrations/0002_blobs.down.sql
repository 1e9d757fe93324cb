DROP INDEX records_live_blob_ids_idx;
DROP TABLE blobs;
DROP TABLE blob_quotas;
DROP TABLE storage_configs;
