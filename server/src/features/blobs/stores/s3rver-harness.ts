/// <reference path="./s3rver.d.ts" />
/**
 * @module Test support: an s3rver (S3-protocol server) on a free loopback port, with a temporary directory and one
 * bucket, for the S3 store and blob API tests. Stop it with `stop()`, which also removes the directory.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { S3Credentials } from './s3-store';

export type RunningS3rver = {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly credentials: S3Credentials;
  /** Where s3rver keeps its buckets (`<directory>/<bucket>/...`), for tests that look at what was stored. */
  readonly directory: string;
  /** How many multipart uploads are unfinished (started, neither completed nor aborted). */
  pendingMultipartUploads(): Promise<number>;
  stop(): Promise<void>;
};

export async function startS3rver(bucket = 'halyon-test'): Promise<RunningS3rver> {
  const directory = await mkdtemp(join(tmpdir(), 'halyon-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  server.middleware.unshift(multipartAbortShim(server));
  const address = await server.run();
  const uploadsDir = (): string => server.store.getResourcePath(bucket, undefined, 'uploads');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    region: 'us-east-1',
    // s3rver's built-in account.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    directory,
    async pendingMultipartUploads() {
      const { readdir } = await import('node:fs/promises');
      return existsSync(uploadsDir()) ? (await readdir(uploadsDir())).length : 0;
    },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/**
 * s3rver 3.7 answers AbortMultipartUpload with 405 and a complete of an unknown upload with a 500. This adds the two
 * answers real S3 gives (drop the upload's parts with 204; NoSuchUpload 404), so the store's calls run over real HTTP.
 */
function multipartAbortShim(server: S3rver) {
  return async (
    ctx: Parameters<S3rver['middleware'][number]>[0],
    next: () => Promise<void>,
  ): Promise<void> => {
    const uploadId = ctx.query.uploadId;
    const [, bucket] = ctx.path.split('/');
    if (
      !uploadId ||
      !bucket ||
      !/^[0-9a-f]+$/.test(uploadId) ||
      (ctx.method !== 'DELETE' && ctx.method !== 'POST')
    ) {
      return next();
    }
    const uploadDir = join(server.store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    if (!existsSync(uploadDir)) {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${uploadId}</UploadId></Error>`;
      return;
    }
    if (ctx.method === 'POST') return next();
    await rm(uploadDir, { recursive: true, force: true });
    ctx.status = 204;
    ctx.body = '';
  };
}
