/// <reference path="../../server/src/features/blobs/stores/s3rver.d.ts" />
/**
 * s3rver in a process of its own, for benchmarks: a bucket stands for a remote S3, so it must not share the
 * measured client's event loop (in-process, its request handling queued behind the client's work and the client's
 * behind it). Prints one JSON line `{"endpoint":..,"bucket":..,"credentials":..}` when ready, and stops when its
 * stdin closes. `startChildS3rver` runs this file as `node --import tsx bench/lib/child-s3rver.ts`.
 */
import { once } from 'node:events';
import { isEntryFile, startChildProcess } from './child-process';

export interface ChildS3rver {
  readonly endpoint: string;
  readonly bucket: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** For the parent to read the bucket's CPU time (it is not the client's). */
  readonly pid: number;
  stop(): Promise<void>;
}

export const startChildS3rver = async (bucket: string): Promise<ChildS3rver> => {
  const { ready, pid, stop } = await startChildProcess<Omit<ChildS3rver, 'pid' | 'stop'>>(
    import.meta.url,
    [bucket],
    's3rver',
  );
  return { ...ready, pid, stop };
};

if (isEntryFile(import.meta.url)) {
  const { startS3rver } = await import('@halyon/server');
  const s3 = await startS3rver(process.argv[2] ?? 'bench');
  process.stdout.write(
    `${JSON.stringify({ endpoint: s3.endpoint, bucket: s3.bucket, credentials: s3.credentials })}\n`,
  );
  process.stdin.resume();
  await once(process.stdin, 'end');
  await s3.stop();
  process.exit(0);
}
