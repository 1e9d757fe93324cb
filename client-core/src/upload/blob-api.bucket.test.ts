import { describe, expect, it } from 'vitest';
import { createFetchBlobApi } from './blob-api';

const BUCKET = {
  id: '00000000-0000-4000-8000-00000000b001',
  endpoint: 'https://s3.example.org',
  region: 'eu-west-1',
  bucket: 'ada-photos',
  forcePathStyle: true,
  keyPrefix: 'halyon/',
  verifiedAt: 1_765_000_000_000,
};

const clientAnswering = (answer: () => Response, seen: Request[] = []) =>
  createFetchBlobApi({
    baseUrl: 'http://127.0.0.1:9/',
    accessToken: async () => 'token-1',
    fetch: async (input, init) => {
      seen.push(new Request(input, init));
      return answer();
    },
  });

const json = (status: number, body: unknown, contentType = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });

describe('blob API: the account’s own bucket', () => {
  it('registers a bucket with the bearer token and returns what the server reports', async () => {
    const seen: Request[] = [];
    const client = clientAnswering(() => json(200, { bucket: BUCKET }), seen);
    const request = {
      endpoint: BUCKET.endpoint,
      region: BUCKET.region,
      bucket: BUCKET.bucket,
      forcePathStyle: true,
      keyPrefix: BUCKET.keyPrefix,
      accessKeyId: 'AKID',
      secretAccessKey: 'secret-1',
    };
    expect(await client.registerBucket(request)).toEqual({ ok: true, value: BUCKET });
    expect(seen[0]?.method).toBe('PUT');
    expect(seen[0]?.url).toBe('http://127.0.0.1:9/v1/storage/bucket');
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer token-1');
    expect(await seen[0]?.json()).toEqual(request);
  });

  it('passes on the server’s reason when its test write failed', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Unprocessable Content',
      status: 422,
      code: 'storage_check_failed',
      detail: 'the test write failed: Access Denied',
    };
    const client = clientAnswering(() => json(422, problem, 'application/problem+json'));
    const registered = await client.registerBucket({
      region: 'us-east-1',
      bucket: 'ada-photos',
      accessKeyId: 'AKID',
      secretAccessKey: 'wrong',
    });
    expect(registered).toEqual({ ok: false, error: { type: 'ProblemResponse', status: 422, problem } });
  });

  it('refuses a bucket answer that carries more or less than the protocol says', async () => {
    const missing = clientAnswering(() => json(200, { bucket: { ...BUCKET, region: undefined } }));
    expect((await missing.getBucket()).ok).toBe(false);
    const none = clientAnswering(() => json(200, { bucket: null }));
    expect(await none.getBucket()).toEqual({ ok: true, value: null });
  });

  it('removes the bucket with a DELETE answered 204', async () => {
    const seen: Request[] = [];
    const client = clientAnswering(() => new Response(null, { status: 204 }), seen);
    expect(await client.removeBucket()).toEqual({ ok: true, value: undefined });
    expect(seen[0]?.method).toBe('DELETE');
  });
});
