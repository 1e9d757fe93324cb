/// <reference path="../../server/src/features/blobs/stores/s3rver.d.ts" />
/**
 * s3rver in a process of its own, for benchmarks: a bucket stands for a remote S3, so it must not share the
 * measured client's event loop (in-process, its request handling queued behind the client's work and the client's
 * behind it). Prints one JSON line `{"endpoint":..,"bucket":..,"credentials":..}` when ready, and stops when its
 * stdin closes. `startChildS3rver` runs this file as `node --import tsx bench/lib/child-s3rver.ts`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ChildS3rver {
  readonly endpoint: string;
  readonly bucket: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** For the parent to read the bucket's CPU time (it is not the client's). */
  readonly pid: number;
  stop(): Promise<void>;
}

export const startChildS3rver = async (bucket: string): Promise<ChildS3rver> => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), bucket], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: process.env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const ready = await Promise.race([
    once(lines, 'line').then(([line]) => JSON.parse(line as string) as Omit<ChildS3rver, 'pid' | 'stop'>),
    exited.then(([code]) => {
      throw new Error(`s3rver exited with ${code} before it was ready`);
    }),
  ]);
  return {
    ...ready,
    pid: child.pid ?? 0,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
};

const isEntry = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isEntry) {
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
