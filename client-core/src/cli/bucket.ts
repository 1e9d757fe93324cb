/**
 * @module `halyon bucket`: where the account's new photos are stored, the server's storage or the user's own S3
 * bucket (docs/storage.md, "Bring your own bucket"). The server checks a bucket with a test write before it uses
 * it. The secret access key is read like a password, never from a flag.
 */
import type { BucketInfo } from '@halyon/protocol';
import { createFetchBlobApi } from '../upload/blob-api';
import { type CliIo, describeTransportError, type ExitCode, fail, printable, withSession } from './signed-in';

export const BUCKET_ACTIONS = ['show', 'set', 'remove'] as const;
export type BucketAction = (typeof BUCKET_ACTIONS)[number];

export interface BucketOptions {
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly bucket?: string | undefined;
  readonly prefix?: string | undefined;
  readonly pathStyle?: boolean | undefined;
  readonly accessKeyId?: string | undefined;
}

const describeBucket = (bucket: BucketInfo) =>
  `your bucket ${printable(bucket.bucket)}${bucket.keyPrefix ? ` (keys under ${printable(bucket.keyPrefix)})` : ''} at ${
    bucket.endpoint ? printable(bucket.endpoint) : `AWS ${printable(bucket.region)}`
  }, checked ${new Date(bucket.verifiedAt).toISOString()}`;

export const bucket = (io: CliIo, action: BucketAction, options: BucketOptions = {}): Promise<ExitCode> =>
  withSession(io, async (session, accessToken) => {
    const api = createFetchBlobApi({ baseUrl: session.server, accessToken, fetch: io.fetch });
    if (action === 'show') {
      const found = await api.getBucket();
      if (!found.ok) return fail(io, describeTransportError(found.error));
      io.print(`new photos go to ${found.value ? describeBucket(found.value) : 'the server’s storage'}`);
      return 0;
    }
    if (action === 'remove') {
      const removed = await api.removeBucket();
      if (!removed.ok) return fail(io, describeTransportError(removed.error));
      io.print('new photos go to the server’s storage; those in your bucket stay there');
      return 0;
    }
    const { endpoint, region, bucket: name, prefix, pathStyle, accessKeyId } = options;
    if (!region || !name || !accessKeyId)
      return fail(
        io,
        'name --region, --bucket and --access-key-id (and --endpoint for a service other than AWS)',
      );
    const secretAccessKey = await io.promptPassword('Secret access key: ');
    const registered = await api.registerBucket({
      ...(endpoint ? { endpoint } : {}),
      region,
      bucket: name,
      forcePathStyle: pathStyle ?? false,
      keyPrefix: prefix ?? '',
      accessKeyId,
      secretAccessKey,
    });
    if (!registered.ok)
      return fail(io, `the bucket was not taken: ${describeTransportError(registered.error)}`);
    io.print(`new photos go to ${describeBucket(registered.value)}`);
    return 0;
  });
