/**
 * @module Helpers for the blob API tests: a typed client that reserves, uploads to whatever target the server
 * answers (its own endpoint, a presigned PUT, presigned parts), commits and downloads. Only tests import this.
 */
import type {
  CommitBlobResponse,
  DownloadTarget,
  Problem,
  ReserveBlobResponse,
  UploadTarget,
  UploadTargetResponse,
} from '@halyon/protocol';
import type { TestResponse, TestServer, TestUser } from '../../test/test-server';

export type BlobClient = {
  readonly user: TestUser;
  reserve(size: number, id?: string): Promise<TestResponse<ReserveBlobResponse & Problem>>;
  uploadTarget(id: string): Promise<TestResponse<UploadTargetResponse & Problem>>;
  /** Sends `bytes` to the target; answers the ETags of the parts for a multipart target. */
  upload(
    id: string,
    target: UploadTarget,
    bytes: Uint8Array,
  ): Promise<{ status: number; parts?: { partNumber: number; etag: string }[] }>;
  commit(
    id: string,
    parts?: { partNumber: number; etag: string }[],
  ): Promise<TestResponse<CommitBlobResponse & Problem>>;
  downloadTarget(id: string): Promise<TestResponse<DownloadTarget & Problem>>;
  /** Follows the download target; null body when it is refused. */
  download(id: string, range?: string): Promise<{ status: number; bytes: Buffer | null; headers: Headers }>;
  /** Reserve, upload, commit: answers the blob id. */
  store(bytes: Uint8Array): Promise<string>;
};

export function blobClient(server: TestServer, user: TestUser): BlobClient {
  const auth = { Authorization: `Bearer ${user.accessToken}` };
  const client: BlobClient = {
    user,
    reserve: (size, id) =>
      server.json('POST', '/v1/blobs', id === undefined ? { size } : { id, size }, user.accessToken),
    uploadTarget: (id) => server.json('POST', `/v1/blobs/${id}/upload`, undefined, user.accessToken),
    async upload(_id, target, bytes) {
      switch (target.kind) {
        case 'server': {
          const response = await server.request(target.path, {
            method: 'PUT',
            headers: {
              ...auth,
              'Content-Type': 'application/octet-stream',
              'Content-Length': String(bytes.length),
            },
            body: bytes,
          });
          await response.arrayBuffer();
          return { status: response.status };
        }
        case 'presigned-put': {
          const response = await fetch(target.url, { method: 'PUT', body: bytes });
          await response.arrayBuffer();
          return { status: response.status };
        }
        case 'multipart': {
          const parts = [];
          for (const { partNumber, url } of target.parts) {
            const start = (partNumber - 1) * target.partSize;
            const response = await fetch(url, {
              method: 'PUT',
              body: bytes.subarray(start, Math.min(bytes.length, start + target.partSize)),
            });
            await response.arrayBuffer();
            if (response.status !== 200) return { status: response.status };
            parts.push({ partNumber, etag: response.headers.get('etag')! });
          }
          return { status: 200, parts };
        }
      }
    },
    commit: (id, parts) =>
      server.json('POST', `/v1/blobs/${id}/commit`, parts ? { parts } : {}, user.accessToken),
    downloadTarget: (id) => server.json('GET', `/v1/blobs/${id}/download`, undefined, user.accessToken),
    async download(id, range) {
      const target = await client.downloadTarget(id);
      if (target.status !== 200) return { status: target.status, bytes: null, headers: target.headers };
      const rangeHeader: Record<string, string> = range ? { Range: range } : {};
      const response =
        target.body.kind === 'server'
          ? await server.request(target.body.path, { headers: { ...auth, ...rangeHeader } })
          : await fetch(target.body.url, { headers: rangeHeader });
      return {
        status: response.status,
        bytes: Buffer.from(await response.arrayBuffer()),
        headers: response.headers,
      };
    },
    async store(bytes) {
      const reserved = await client.reserve(bytes.length);
      if (reserved.status !== 201) throw new Error(`reserve failed: ${JSON.stringify(reserved.body)}`);
      const id = reserved.body.blob.id;
      const uploaded = await client.upload(id, reserved.body.upload!, bytes);
      const committed = await client.commit(id, uploaded.parts);
      if (committed.status !== 200) throw new Error(`commit failed: ${JSON.stringify(committed.body)}`);
      return id;
    },
  };
  return client;
}
