/**
 * The warm start alone, for a quick look between runs of sync-client.bench.ts (whose figures are the ones of
 * record): `npx tsx sync-client-warm.ts` builds a store of BENCH_RECORDS (default 100,000) records written locally
 * and confirmed as if pushed, once (no server; kept as the store's ciphertext in WARM_FILE, default under /tmp;
 * WARM_BUILD=1 builds it again, e.g. after a snapshot format change), then times one warm start per process and
 * prints one JSON line (wall, client CPU, snapshot split). CORE=path/to/client-core/src/index.ts measures another
 * checkout's client-core against its own store file, for before/after runs. BENCH_MARKS=1 prints phase bounds as
 * the main bench does. Bench data under a bench key derived from a constant; nothing decrypted is written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import type { MasterKey, Transport } from '@halyon/client-core';
import { PHOTOS, RECORDS, writeBenchLibrary } from './lib/bench-library';

const core: typeof import('@halyon/client-core') = await import(process.env.CORE ?? '@halyon/client-core');
const { openHalyonClient, openMemoryLocalStore } = core;

const FILE = process.env.WARM_FILE ?? `/tmp/warm-store-${RECORDS}.bin`;
const masterKey = createHash('sha256').update('bench').digest() as unknown as MasterKey;
const transport = new Proxy(
  {},
  {
    get: () => async () => {
      throw new Error('offline');
    },
  },
) as Transport;

if (process.env.WARM_BUILD || !existsSync(FILE)) {
  const store = openMemoryLocalStore('seed');
  const seeder = await openHalyonClient({ store, transport, masterKey });
  await writeBenchLibrary(seeder.library);
  await seeder.lock();
  // As if the server applied every op: version 1 records, no outbox.
  const ops = await store.listOutbox();
  await store.confirmApplied(
    ops.map((op, i) => ({ op, version: 1, seq: i + 1 })),
    Date.now(),
  );
  await store.putSnapshotPages([]);
  const second = await openHalyonClient({ store, transport, masterKey });
  await second.lock();
  writeFileSync(FILE, serialize(await store.exportSnapshot()));
  console.log(`built ${FILE}`);
  process.exit(0);
}

const store = openMemoryLocalStore('warm');
await store.importSnapshot(deserialize(readFileSync(FILE)));
(globalThis as { gc?: () => void }).gc?.();
const mark = (phase: string) => {
  if (process.env.BENCH_MARKS) console.error(`mark ${phase} ${process.hrtime.bigint() / 1000n}`);
};
mark('warm');
const cpu = process.cpuUsage();
const start = performance.now();
const warm = await openHalyonClient({ store, transport, masterKey });
const groups = warm.library.queries.timeline();
const ms = performance.now() - start;
const { user, system } = process.cpuUsage(cpu);
mark('warm-end');
const n = groups.reduce((s, g) => s + g.photos.length, 0);
const load = warm.engine.lastLoad();
if (n !== PHOTOS || load?.snapshot !== 'used') throw new Error(`bad warm start ${n} ${load?.snapshot}`);
console.log(
  JSON.stringify({
    warm_ms: Math.round(ms),
    cpu_ms: Math.round((user + system) / 1000),
    decrypt: Math.round(load.snapshotDecryptMs),
    parse: Math.round(load.snapshotParseMs),
    heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
  }),
);
