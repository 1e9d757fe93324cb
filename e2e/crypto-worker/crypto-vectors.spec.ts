import { expect, test } from '@playwright/test';
import { type FixtureServer, startFixtureServer } from './fixture-server';
import type { WorkerReport } from './report';

let server: FixtureServer;

test.beforeAll(async () => {
  server = await startFixtureServer();
});

test.afterAll(async () => {
  await server?.close();
});

test('every published and format vector passes inside a Web Worker in Chromium', async ({ page }) => {
  await page.goto(server.url);
  await page.waitForFunction(() => 'cryptoVectorReport' in globalThis, undefined, { timeout: 90_000 });
  const report = (await page.evaluate(() => Reflect.get(globalThis, 'cryptoVectorReport'))) as
    | WorkerReport
    | { error: string };
  if ('error' in report) throw new Error(`worker failed: ${report.error}`);

  expect(report.inWorker).toBe(true);
  // Chromium has X25519 and Ed25519 in WebCrypto, so client-core must pick it over the JS fallback.
  expect(report.curveBackend).toBe('webcrypto');
  const suites = new Set(report.results.map((result) => result.suite));
  for (const suite of [
    'hchacha20',
    'xchacha20-poly1305',
    'chacha20-poly1305',
    'sha-256',
    'aes-256-gcm',
    'argon2id',
    'hkdf-sha256',
    'hkdf-sha256 (sync)',
    'x25519 (webcrypto)',
    'ed25519 (webcrypto)',
    'format-v1',
  ]) {
    expect(suites).toContain(suite);
  }
  const failures = report.results.filter((result) => !result.passed);
  expect(failures).toEqual([]);
});

test('Argon2id in a nested worker derives the same keys, reports progress, and cancels mid-pass', async ({
  page,
}) => {
  await page.goto(server.url);
  await page.waitForFunction(() => 'cryptoVectorReport' in globalThis, undefined, { timeout: 90_000 });
  const report = (await page.evaluate(() => Reflect.get(globalThis, 'cryptoVectorReport'))) as WorkerReport;
  expect(report.argon2Worker.sameKeysAsInThread).toBe(true);
  expect(report.argon2Worker.progressTicks).toBeGreaterThan(0);
  // 512 MiB x 10 passes would take several seconds; the first progress tick aborts it and the worker is terminated.
  expect(report.argon2Worker.abortedMidPass).toBe('Aborted');
});
