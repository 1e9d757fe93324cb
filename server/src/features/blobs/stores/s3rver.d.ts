// s3rver 3.x ships no types; this declares the part the blob tests use.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  type S3rverOptions = {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    configureBuckets?: ReadonlyArray<{ name: string; configs?: ReadonlyArray<string | Buffer> }>;
  };
  type KoaMiddleware = (ctx: S3rverContext, next: () => Promise<void>) => Promise<void> | void;
  type S3rverContext = {
    method: string;
    path: string;
    query: Record<string, string | undefined>;
    status: number;
    body: unknown;
    type: string;
  };

  export default class S3rver {
    constructor(options: S3rverOptions);
    middleware: KoaMiddleware[];
    store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string };
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
