/// <reference path="../server/src/features/blobs/stores/s3rver.d.ts" />
/**
 * Upload benchmark (`npm run bench:upload`): 200 real JPEGs (about 100 MiB, made with sharp from noise at bench
 * time, with EXIF) through the whole client pipeline (keyed hash, EXIF, sharp thumbnail, encryption, one
 * reservation for a photo's blobs, their uploads, one commit, photo records) and back (download and stream-decrypt
 * each original),
 * against a plain upload (reserve, send the file's bytes, commit) and download of the same files to the same
 * store in the same run. Both stores: the filesystem store (the server's own PUT) and S3 (s3rver, presigned).
 * Both sides send 3 files at a time, over loopback, through the same blob API and fetch, to the real server running
 * as its own process (src/main.ts) on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432, in a
 * scratch database per store), and s3rver runs in a third process (lib/child-s3rver.ts), so the client's CPU work,
 * the server's and the bucket's do not share one event loop. The encrypted side is what `halyon upload` runs: the
 * CLI's persistent local store (one JSON file, saved after each group of records) and its file-backed upload queue.
 *
 * The machine is shared: every figure is the best of N runs (a fresh account each run, so nothing de-duplicates),
 * and the CPU seconds each phase used (this process and the server's, and apart the PostgreSQL backends') are
 * printed too, since they barely depend on the load. The ratios in the last line (one JSON object: bench, upload_ratio, download_ratio, upload_mb_s,
 * plain_upload_mb_s, peak_rss_mb and more) are those of the slower store (the one with the lower plain upload).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BlobApi,
  createContentHashLookup,
  createFetchBlobApi,
  createFetchTransport,
  createUploader,
  deriveContentHashKey,
  deriveUploadStateKey,
  downloadOriginal,
  type MasterKey,
  noThumbnails,
  openHalyonClient,
  type PhotoView,
  type ThumbnailMaker,
} from '@halyon/client-core';
import { openFileStore } from '@halyon/client-core/cli/file-store';
import { openUploadQueueFiles } from '@halyon/client-core/cli/upload-queue-files';
import {
  createNodeThumbnailMaker,
  createNodeUploadFetch,
  fileSourceFromPath,
} from '@halyon/client-core/upload/node';
import { registerTestUser } from '@halyon/server';
import pg from 'pg';
import sharp from 'sharp';
import { startChildS3rver } from './lib/child-s3rver';

const MiB = 1024 * 1024;
const FILES = 200;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = 3;
/** For profiling one store: BENCH_STORES=filesystem. The ratios are meant over both. */
const STORES = (process.env.BENCH_STORES ?? 'filesystem,s3rver').split(',');

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SERVER_MAIN = fileURLToPath(new URL('../server/src/main.ts', import.meta.url));

// ---------------------------------------------------------------------------------------------------------------
// The server as its own process, on a scratch database

const admin = async (sqlText: string, values: unknown[] = []) => {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return (await client.query(sqlText, values)).rows;
  } finally {
    await client.end();
  }
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

interface ServerProcess {
  readonly url: string;
  /** CPU seconds the server process has used so far (Linux /proc), 0 where that cannot be read. */
  cpuSeconds(): Promise<number>;
  /** CPU seconds each PostgreSQL backend serving the server's database has used so far, by pid. */
  databaseCpuSeconds(): Promise<Map<number, number>>;
  stop(): Promise<void>;
}

const CLOCK_TICKS_PER_SECOND = 100; // Linux's USER_HZ

/** User + system CPU seconds of a process, from fields 14 and 15 of /proc/<pid>/stat. */
const cpuSecondsOf = async (pid: number | undefined): Promise<number> => {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
};

/** Logs go to a file: a pipe to this busy process would stall the server's synchronous writes. */
const startServer = async (env: Record<string, string>): Promise<ServerProcess> => {
  const dbName = `halyon_bench_upload_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'halyon-bench-upload-server-'));
  const port = await freePort();
  // BENCH_SERVER_CPU_PROF=<dir> profiles the server too (NODE_OPTIONS may not carry --cpu-prof).
  const profile = process.env.BENCH_SERVER_CPU_PROF;
  const profiling = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profiling, '--import', 'tsx', SERVER_MAIN], {
    env: {
      ...process.env,
      ...env,
      DATABASE_URL: dbUrl.toString(),
      HALYON_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RATE_LIMIT_BURST: '100000000',
      RATE_LIMIT_PER_SECOND: '100000000',
      AUTH_RATE_LIMIT_BURST: '100000',
      AUTH_RATE_LIMIT_PER_SECOND: '100000',
    },
    stdio: ['ignore', openSync(join(dataDir, 'server.log'), 'a'), 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`server exited with ${child.exitCode}; see ${dataDir}/server.log`);
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    cpuSeconds: () => cpuSecondsOf(child.pid),
    async databaseCpuSeconds() {
      const rows = await admin('SELECT pid FROM pg_stat_activity WHERE datname = $1', [dbName]);
      const pids = rows.map((row) => Number((row as { pid: number }).pid));
      return new Map(await Promise.all(pids.map(async (pid) => [pid, await cpuSecondsOf(pid)] as const)));
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await admin(`DROP DATABASE IF EXISTS ${dbName}`);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};

/** registerTestUser needs only a JSON request function; this one goes over HTTP to the server process. */
const registerUser = (baseUrl: string) =>
  registerTestUser({
    async json(method: string, path: string, body?: unknown, token?: string) {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (token) headers.Authorization = `Bearer ${token}`;
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: text ? JSON.parse(text) : undefined,
      };
    },
  } as unknown as Parameters<typeof registerTestUser>[0]);

// ---------------------------------------------------------------------------------------------------------------
// Peak memory of the client (this process), sampled through the whole run.

// process.memoryUsage.rss() reads one number; process.memoryUsage() walks the heap's spaces, which at this rate
// cost seconds of CPU over a run and slowed whichever side was busier. Every 100 ms is enough for a peak.
let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 100);

// ---------------------------------------------------------------------------------------------------------------
// 200 JPEGs from noise: 900x675 at quality 88 is about 0.5 MiB each.

const dir = await mkdtemp(join(tmpdir(), 'halyon-bench-upload-'));
const paths: string[] = [];
let totalBytes = 0;
{
  const width = 900;
  const height = 675;
  for (let i = 0; i < FILES; i++) {
    const jpeg = await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 88 })
      .withExif({
        IFD0: { Make: 'Halyon', Model: 'Bench' },
        IFD2: { DateTimeOriginal: `2024:05:${String(1 + (i % 28)).padStart(2, '0')} 12:00:00` },
      })
      .toBuffer();
    const path = join(dir, `IMG_${String(i).padStart(4, '0')}.JPG`);
    await writeFile(path, jpeg);
    paths.push(path);
    totalBytes += jpeg.length;
  }
}
const totalMiB = totalBytes / MiB;
console.log(
  `${FILES} JPEGs, ${totalMiB.toFixed(1)} MiB; best of ${RUNS} runs each; ${CONCURRENCY} files at a time`,
);

// ---------------------------------------------------------------------------------------------------------------

const inParallel = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
};

const orThrow = <T>(result: { ok: true; value: T } | { ok: false; error: unknown }, what: string): T => {
  if (!result.ok) throw new Error(`${what}: ${JSON.stringify(result.error)}`);
  return result.value;
};

const drain = async (stream: ReadableStream<Uint8Array>) => {
  let bytes = 0;
  for await (const piece of stream) bytes += piece.length;
  return bytes;
};

/**
 * Wall seconds, and the CPU seconds of this process (client, sharp's threads) plus the server's and s3rver's; apart,
 * the CPU of the PostgreSQL backends serving the server (those open at the end: one that closed meanwhile is
 * missed, so this is a lower bound).
 */
interface Took {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly serverCpuSeconds: number;
  readonly databaseCpuSeconds: number;
}

const measure = async (server: ServerProcess, run: () => Promise<unknown>): Promise<Took> => {
  const othersCpu = async () => (await server.cpuSeconds()) + (await cpuSecondsOf(s3.pid));
  const databaseBefore = await server.databaseCpuSeconds();
  const start = performance.now();
  const clientCpu = process.cpuUsage();
  const serverCpu = await othersCpu();
  await run();
  const { user, system } = process.cpuUsage(clientCpu);
  const serverCpuSeconds = (await othersCpu()) - serverCpu;
  const seconds = (performance.now() - start) / 1000;
  let databaseCpuSeconds = 0;
  for (const [pid, cpu] of await server.databaseCpuSeconds())
    databaseCpuSeconds += cpu - (databaseBefore.get(pid) ?? 0);
  return {
    seconds,
    cpuSeconds: (user + system) / 1e6 + serverCpuSeconds,
    serverCpuSeconds,
    databaseCpuSeconds,
  };
};

/** Plain: the file's bytes as they are, through the same blob API and targets. */
const plainUpload = async (api: BlobApi): Promise<string[]> => {
  const ids: string[] = [];
  await inParallel(paths, CONCURRENCY, async (path) => {
    const bytes = new Uint8Array(await readFile(path));
    const id = randomUUID();
    const target = orThrow(await api.reserve(id, bytes.length), 'reserve').upload!;
    let parts: { partNumber: number; etag: string }[] | undefined;
    if (target.kind === 'multipart') {
      parts = [];
      for (const part of target.parts) {
        const start = (part.partNumber - 1) * target.partSize;
        const etag = orThrow(
          await api.putPart(part.url, bytes.subarray(start, start + target.partSize)),
          'part',
        );
        parts.push({ partNumber: part.partNumber, etag });
      }
    } else {
      orThrow(await api.putWhole(target, bytes, bytes.length), 'put');
    }
    orThrow(await api.commit(id, parts), 'commit');
    ids.push(id);
  });
  return ids;
};

const plainDownload = async (api: BlobApi, ids: readonly string[]) =>
  inParallel(ids, CONCURRENCY, async (id) => {
    const target = orThrow(await api.downloadTarget(id), 'download target');
    await drain(orThrow(await api.openDownload(target), 'download'));
  });

const PHASES = ['plainUp', 'plainDown', 'encUp', 'encDown', 'encUpNoThumbs'] as const;
type Phase = (typeof PHASES)[number];
/** Per phase, the best of the runs: MiB/s, and the CPU seconds that run used (client + server and s3rver). */
type Figures = Record<Phase, number> & {
  cpu: Record<Phase, number>;
  serverCpu: Record<Phase, number>;
  databaseCpu: Record<Phase, number>;
};

const benchStore = async (name: string, env: Record<string, string>): Promise<Figures> => {
  const server = await startServer(env);
  const nodeFetch = createNodeUploadFetch();
  const best = {
    ...Object.fromEntries(PHASES.map((p) => [p, 0])),
    cpu: Object.fromEntries(PHASES.map((p) => [p, Number.POSITIVE_INFINITY])),
    serverCpu: Object.fromEntries(PHASES.map((p) => [p, 0])),
    databaseCpu: Object.fromEntries(PHASES.map((p) => [p, 0])),
  } as Figures;
  const keep = (phase: Phase, took: Took) => {
    best[phase] = Math.max(best[phase], totalMiB / took.seconds);
    if (took.cpuSeconds < best.cpu[phase]) {
      best.cpu[phase] = took.cpuSeconds;
      best.serverCpu[phase] = took.serverCpuSeconds;
      best.databaseCpu[phase] = took.databaseCpuSeconds;
    }
  };

  const account = async () => {
    const user = await registerUser(server.url);
    const api = createFetchBlobApi({
      baseUrl: server.url,
      accessToken: () => user.accessToken,
      fetch: nodeFetch,
    });
    return { user, api };
  };

  /** Wired as client-core/src/cli/upload.ts wires `halyon upload`, in a fresh $HALYON_HOME. */
  const encryptedRun = async (thumbnails: ThumbnailMaker) => {
    const { user, api } = await account();
    const home = await mkdtemp(join(tmpdir(), 'halyon-bench-upload-home-'));
    const masterKey = crypto.getRandomValues(new Uint8Array(32)) as MasterKey;
    const files = await openFileStore(join(home, 'store.json'));
    const client = await openHalyonClient({
      store: files.store,
      transport: createFetchTransport({ baseUrl: server.url, accessToken: () => user.accessToken }),
      masterKey,
    });
    const uploader = createUploader({
      api,
      state: await openUploadQueueFiles(join(home, 'uploads')),
      stateKey: deriveUploadStateKey(masterKey),
      contentHashKey: await deriveContentHashKey(masterKey),
      thumbnails,
      addPhotos: async (photos) => {
        const ids = await client.library.addPhotos(photos);
        await files.save();
        return ids;
      },
      findPhotoByContentHash: createContentHashLookup(client.library, client.engine),
      reopen: (path) => fileSourceFromPath(path).catch(() => undefined),
      concurrency: CONCURRENCY,
      streamBodies: true,
    });
    await uploader.start();
    const up = await measure(server, async () => {
      uploader.add(await Promise.all(paths.map(fileSourceFromPath)));
      await uploader.whenIdle();
      orThrow(await client.sync(), 'sync'); // the records reach the server too
      await files.save(); // as the CLI does when the command ends
    });
    const failed = uploader.files().filter((f) => f.status !== 'done');
    if (failed.length > 0)
      throw new Error(`${failed.length} uploads did not finish: ${JSON.stringify(failed[0])}`);
    const photos: PhotoView[] = client.library.queries.timeline().flatMap((d) => d.photos);
    if (photos.length !== FILES) throw new Error(`expected ${FILES} photos, got ${photos.length}`);
    const down = await measure(server, () =>
      inParallel(photos, CONCURRENCY, async (photo) => {
        await drain(orThrow(await downloadOriginal({ api }, photo), 'download original').stream);
      }),
    );
    await uploader.close();
    await client.lock();
    await files.close();
    await rm(home, { recursive: true, force: true });
    return { up, down };
  };

  for (let run = 1; run <= RUNS; run++) {
    const { api } = await account();
    let ids: string[] = [];
    keep('plainUp', await measure(server, async () => (ids = await plainUpload(api))));
    keep('plainDown', await measure(server, () => plainDownload(api, ids)));
    const full = await encryptedRun(createNodeThumbnailMaker());
    keep('encUp', full.up);
    keep('encDown', full.down);
    keep('encUpNoThumbs', (await encryptedRun(noThumbnails)).up);
    console.log(`  ${name} run ${run}/${RUNS} done`);
  }
  await server.stop();
  return best;
};

const s3 = await startChildS3rver('bench');
const results: Record<string, Figures> = {};
try {
  if (STORES.includes('filesystem')) results.filesystem = await benchStore('filesystem', {});
  if (STORES.includes('s3rver'))
    results.s3rver = await benchStore('s3rver', {
      BLOB_STORE: 's3',
      BLOB_S3_ENDPOINT: s3.endpoint,
      BLOB_S3_BUCKET: s3.bucket,
      BLOB_S3_FORCE_PATH_STYLE: 'true',
      BLOB_S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      BLOB_S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    });
} finally {
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
  clearInterval(sampler);
}

// ---------------------------------------------------------------------------------------------------------------

const f = (n: number) => n.toFixed(1).padStart(8);
const r = (n: number) => n.toFixed(2).padStart(8);
console.log('');
console.log(
  'MiB/s of JPEG bytes (best of runs) |  plain up | encrypted up (pipeline) | ratio | encrypted up (no thumbnails) | ratio | plain down | encrypted down | ratio',
);
for (const [store, x] of Object.entries(results)) {
  console.log(
    `${store.padEnd(35)}|${f(x.plainUp)}  |${f(x.encUp)}                 |${r(x.encUp / x.plainUp)}|${f(x.encUpNoThumbs)}                      |${r(x.encUpNoThumbs / x.plainUp)}|${f(x.plainDown)}   |${f(x.encDown)}       |${r(x.encDown / x.plainDown)}`,
  );
}
// CPU seconds do not depend on how busy the machine is, so they compare runs made under different loads.
console.log('');
console.log(
  'CPU s per 200 files, client + server and s3rver (least of runs) |  plain up  | encrypted up | no thumbnails | plain down | encrypted down',
);
for (const [store, { cpu, serverCpu }] of Object.entries(results)) {
  const c = (phase: Phase) =>
    `${(cpu[phase] - serverCpu[phase]).toFixed(1)} + ${serverCpu[phase].toFixed(1)}`.padStart(11);
  console.log(
    `${store.padEnd(64)}|${c('plainUp')} |${c('encUp')}   |${c('encUpNoThumbs')}    |${c('plainDown')}|${c('encDown')}`,
  );
}
// Not in the figures above (kept comparable with earlier rounds): the database's share of the same runs.
console.log(
  'PostgreSQL backends of the server, CPU s (same runs; a lower bound) |  plain up  | encrypted up | no thumbnails | plain down | encrypted down',
);
for (const [store, { databaseCpu }] of Object.entries(results)) {
  const d = (phase: Phase) => databaseCpu[phase].toFixed(1).padStart(11);
  console.log(
    `${store.padEnd(67)}|${d('plainUp')} |${d('encUp')}   |${d('encUpNoThumbs')}    |${d('plainDown')}|${d('encDown')}`,
  );
}
const slower = Object.values(results).reduce((a, b) => (a.plainUp <= b.plainUp ? a : b));
console.log(`peak RSS of the client process: ${(peakRss / MiB).toFixed(0)} MiB`);
console.log(
  JSON.stringify({
    bench: 'upload',
    upload_ratio: Number((slower.encUp / slower.plainUp).toFixed(3)),
    download_ratio: Number((slower.encDown / slower.plainDown).toFixed(3)),
    upload_mb_s: Number(slower.encUp.toFixed(1)),
    plain_upload_mb_s: Number(slower.plainUp.toFixed(1)),
    download_mb_s: Number(slower.encDown.toFixed(1)),
    plain_download_mb_s: Number(slower.plainDown.toFixed(1)),
    upload_ratio_without_thumbnails: Number((slower.encUpNoThumbs / slower.plainUp).toFixed(3)),
    peak_rss_mb: Math.round(peakRss / MiB),
    upload_cpu_s: Number(slower.cpu.encUp.toFixed(2)),
    plain_upload_cpu_s: Number(slower.cpu.plainUp.toFixed(2)),
    upload_db_cpu_s: Number(slower.databaseCpu.encUp.toFixed(2)),
    plain_upload_db_cpu_s: Number(slower.databaseCpu.plainUp.toFixed(2)),
    files: FILES,
    total_mib: Number(totalMiB.toFixed(1)),
    runs: RUNS,
    slower_store: Object.entries(results).find(([, x]) => x === slower)?.[0],
  }),
);
process.exit(0);
