/**
 * Sync server benchmark (`npm run bench:sync-server`), against one PostgreSQL (DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres) in a database it creates and drops:
 *   (a) raw: OCC upserts of 1 KiB records in 500-row batches (lock the collection row, one multi-row
 *       INSERT ... ON CONFLICT DO UPDATE ... WHERE version = base, bump seq, commit) and paged selects of 500 rows,
 *       through pg directly;
 *   (b) the same work through HTTP against the real server (src/main.ts as its own process): push in 500-op
 *       batches, pull in 500-record pages; records/s and the ratio to (a). (a) and (b) alternate batch by batch
 *       so that both see the same machine load;
 *   (c) latency under 50 concurrent clients (one collection each): a 1-op push, and an empty pull.
 * The server runs with the per-token rate limit raised out of the way: this measures capacity, not the limiter.
 * The last line printed is one JSON object.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, openSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RECORDS = Number(process.env.BENCH_RECORDS ?? 20_000);
const BATCH = 500;
const RECORD_BYTES = 1024;
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const LATENCY_ROUNDS = Number(process.env.BENCH_LATENCY_ROUNDS ?? 40);
const SERVER_MAIN = fileURLToPath(new URL('../server/src/main.ts', import.meta.url));

// ---------------------------------------------------------------------------------------------------------------
// Set-up: a scratch database, migrated by the server itself on start-up.

const dbName = `halyon_bench_${randomBytes(4).toString('hex')}`;
const dbUrl = (() => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
})();

async function admin(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

/** A port that was free a moment ago (the server binds it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts src/main.ts as its own process. Its log lines go to a file, as in production: a pipe to this (busy)
 * process would make every synchronous stdout write of the server wait for the bench to read.
 */
async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const logFile = join(mkdtempSync(join(tmpdir(), 'halyon-bench-')), 'server.log');
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', SERVER_MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      // The production default: every request is logged as a JSON line.
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      RATE_LIMIT_BURST: '100000000',
      RATE_LIMIT_PER_SECOND: '100000000',
    },
    stdio: ['ignore', openSync(logFile, 'a'), 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}; see ${logFile}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const seconds = (startNs: bigint) => Number(process.hrtime.bigint() - startNs) / 1e9;
const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Http {
  post<T>(path: string, body: unknown, token?: string): Promise<T>;
}

function http(baseUrl: string): Http {
  return {
    async post<T>(path: string, body: unknown, token?: string): Promise<T> {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// (a) raw and (b) HTTP, interleaved batch by batch: the machine's load drifts (other processes share its two
// cores), and alternating makes both sides of each ratio see the same conditions.

interface Throughput {
  readonly rawUpsertPerS: number;
  readonly rawSelectPerS: number;
  readonly pushPerS: number;
  readonly pullPerS: number;
}

interface PushAnswer {
  results: { status: string; seq?: number }[];
}
interface PullAnswer {
  changes: unknown[];
  cursors: Record<string, number>;
  hasMore: boolean;
}

async function throughput(
  pool: pg.Pool,
  api: Http,
  user: { token: string; userId: string },
  records: number,
) {
  const rawCollection = randomUUID();
  await pool.query('insert into collections (id, owner_id) values ($1, $2)', [rawCollection, user.userId]);
  const httpCollection = randomUUID();
  await api.post('/v1/collections', { id: httpCollection, encryptedKey: 'AAAA' }, user.token);
  const client = await pool.connect();
  let rawUpsertS = 0;
  let pushS = 0;
  try {
    for (let offset = 0; offset < records; offset += BATCH) {
      const payloads = Array.from({ length: BATCH }, () => randomBytes(RECORD_BYTES));
      const ops = payloads.map((bytes) => ({
        opId: randomUUID(),
        collectionId: httpCollection,
        recordId: randomUUID(),
        baseVersion: 0,
        ciphertext: bytes.toString('base64'),
      }));

      let start = process.hrtime.bigint();
      await client.query('begin');
      const { rows } = await client.query<{ seq: string }>(
        'select seq from collections where id = $1 for update',
        [rawCollection],
      );
      const seq0 = Number(rows[0]!.seq);
      await client.query(
        `insert into records (collection_id, record_id, version, ciphertext, size, seq)
         select $1, r, 1, c, $4, s from unnest($2::uuid[], $3::bytea[], $5::bigint[]) as x(r, c, s)
         on conflict (collection_id, record_id) do update
           set version = excluded.version, ciphertext = excluded.ciphertext, seq = excluded.seq
           where records.version = excluded.version - 1`,
        [
          rawCollection,
          payloads.map(() => randomUUID()),
          payloads,
          RECORD_BYTES,
          payloads.map((_, i) => seq0 + i + 1),
        ],
      );
      await client.query('update collections set seq = $2 where id = $1', [rawCollection, seq0 + BATCH]);
      await client.query('commit');
      rawUpsertS += seconds(start);

      start = process.hrtime.bigint();
      const answer = await api.post<PushAnswer>('/v1/sync/push', { ops }, user.token);
      pushS += seconds(start);
      if (answer.results.some((r) => r.status !== 'applied'))
        throw new Error('a benchmark push did not apply');
    }
  } finally {
    client.release();
  }

  let rawSelectS = 0;
  let pullS = 0;
  let rawCursor = 0;
  let cursors: Record<string, number> = { [httpCollection]: 0 };
  let selected = 0;
  let pulled = 0;
  for (let more = true; more; ) {
    let start = process.hrtime.bigint();
    const { rows } = await pool.query<{ seq: string }>(
      `select record_id, version, seq, deleted, ciphertext, blob_ids, updated_at from records
       where collection_id = $1 and seq > $2 order by seq limit $3`,
      [rawCollection, rawCursor, BATCH],
    );
    rawSelectS += seconds(start);
    selected += rows.length;
    rawCursor = Number(rows.at(-1)?.seq ?? rawCursor);

    start = process.hrtime.bigint();
    const page = await api.post<PullAnswer>('/v1/sync/pull', { cursors, limit: BATCH }, user.token);
    pullS += seconds(start);
    pulled += page.changes.length;
    cursors = page.cursors;
    more = page.hasMore;
  }
  if (pulled !== records || selected !== records) throw new Error(`pulled ${pulled}, selected ${selected}`);
  return {
    rawUpsertPerS: records / rawUpsertS,
    rawSelectPerS: records / rawSelectS,
    pushPerS: records / pushS,
    pullPerS: records / pullS,
  } satisfies Throughput;
}

// ---------------------------------------------------------------------------------------------------------------
// (c) latency

async function registerAndLogin(api: Http): Promise<{ token: string; userId: string }> {
  const email = `bench-${randomUUID()}@example.test`;
  const authKey = randomBytes(32).toString('base64');
  const b64 = (n: number) => randomBytes(n).toString('base64');
  await api.post('/v1/auth/register', {
    email,
    authKey,
    vault: {
      kdfParams: { algorithm: 'argon2id', memoryKiB: 131_072, iterations: 3, parallelism: 1 },
      salt: b64(16),
      wrappedMasterKey: b64(72),
      recoveryWrappedMasterKey: b64(72),
      wrappedIdentityKeys: b64(160),
    },
    identity: { version: 1, encryptionPublicKey: b64(32), signingPublicKey: b64(32), signature: b64(64) },
  });
  const login = await api.post<{ accessToken: string; userId: string }>('/v1/auth/login', { email, authKey });
  return { token: login.accessToken, userId: login.userId };
}

async function latency(api: Http, token: string) {
  const collections = Array.from({ length: CLIENTS }, () => randomUUID());
  for (const id of collections) await api.post('/v1/collections', { id, encryptedKey: 'AAAA' }, token);
  const small = randomBytes(RECORD_BYTES).toString('base64');

  const timed = async (fn: () => Promise<unknown>, into: number[]) => {
    const start = process.hrtime.bigint();
    await fn();
    into.push(Number(process.hrtime.bigint() - start) / 1e6);
  };
  const pushMs: number[] = [];
  await Promise.all(
    collections.map(async (collectionId) => {
      for (let i = 0; i < LATENCY_ROUNDS; i++) {
        const op = {
          opId: randomUUID(),
          collectionId,
          recordId: randomUUID(),
          baseVersion: 0,
          ciphertext: small,
        };
        await timed(() => api.post('/v1/sync/push', { ops: [op] }, token), pushMs);
      }
    }),
  );
  const pullMs: number[] = [];
  await Promise.all(
    collections.map(async (collectionId) => {
      const cursors = { [collectionId]: LATENCY_ROUNDS };
      for (let i = 0; i < LATENCY_ROUNDS; i++) {
        await timed(async () => {
          const page = await api.post<PullAnswer>('/v1/sync/pull', { cursors }, token);
          if (page.changes.length !== 0) throw new Error('the empty pull was not empty');
        }, pullMs);
      }
    }),
  );
  pushMs.sort((a, b) => a - b);
  pullMs.sort((a, b) => a - b);
  return {
    pushP50: percentile(pushMs, 50),
    pushP99: percentile(pushMs, 99),
    pullP50: percentile(pullMs, 50),
    pullP99: percentile(pullMs, 99),
  };
}

// ---------------------------------------------------------------------------------------------------------------

await admin(`create database ${dbName}`);
let server: ChildProcess | undefined;
const pool = new pg.Pool({ connectionString: dbUrl, max: 4 });
try {
  const started = await startServer();
  server = started.child;
  const api = http(started.url);
  const user = await registerAndLogin(api);

  // Warm both paths first so neither pays first-use costs (JIT, plans, connections) in the figures.
  await throughput(pool, api, user, 4 * BATCH);
  const tp = await throughput(pool, api, user, RECORDS);
  const raw = { upsertPerS: tp.rawUpsertPerS, selectPerS: tp.rawSelectPerS };
  const viaHttp = { pushPerS: tp.pushPerS, pullPerS: tp.pullPerS };
  const lat = await latency(api, user.token);

  const pushRatio = viaHttp.pushPerS / raw.upsertPerS;
  const pullRatio = viaHttp.pullPerS / raw.selectPerS;
  const rows: [string, string, string][] = [
    ['raw OCC upsert (pg, 500/tx)', `${fmt(raw.upsertPerS)} rec/s`, ''],
    ['raw paged select (pg, 500/page)', `${fmt(raw.selectPerS)} rec/s`, ''],
    [
      'push via HTTP (500 ops/request)',
      `${fmt(viaHttp.pushPerS)} rec/s`,
      `${(pushRatio * 100).toFixed(0)}% of raw`,
    ],
    ['pull via HTTP (500/page)', `${fmt(viaHttp.pullPerS)} rec/s`, `${(pullRatio * 100).toFixed(0)}% of raw`],
    [`1-op push, ${CLIENTS} clients`, `p50 ${lat.pushP50.toFixed(1)} ms`, `p99 ${lat.pushP99.toFixed(1)} ms`],
    [
      `empty pull, ${CLIENTS} clients`,
      `p50 ${lat.pullP50.toFixed(1)} ms`,
      `p99 ${lat.pullP99.toFixed(1)} ms`,
    ],
  ];
  console.log(
    `sync-server: ${RECORDS} records of ${RECORD_BYTES} B, PostgreSQL at ${new URL(ADMIN_URL).host}`,
  );
  for (const [what, figure, note] of rows)
    console.log(`  ${what.padEnd(34)} ${figure.padStart(18)}  ${note}`);
  console.log(
    JSON.stringify({
      bench: 'sync-server',
      push_per_s: Math.round(viaHttp.pushPerS),
      push_ratio: Number(pushRatio.toFixed(3)),
      pull_per_s: Math.round(viaHttp.pullPerS),
      pull_ratio: Number(pullRatio.toFixed(3)),
      push_p50_ms: Number(lat.pushP50.toFixed(2)),
      push_p99_ms: Number(lat.pushP99.toFixed(2)),
      pull_p50_ms: Number(lat.pullP50.toFixed(2)),
      pull_p99_ms: Number(lat.pullP99.toFixed(2)),
      raw_upsert_per_s: Math.round(raw.upsertPerS),
      raw_select_per_s: Math.round(raw.selectPerS),
    }),
  );
} finally {
  await pool.end();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await admin(`drop database if exists ${dbName} with (force)`);
}
