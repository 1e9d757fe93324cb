// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, watchPageProblems } from './fixtures';
import { serveStatic } from './serve-static';

const distDir = fileURLToPath(new URL('../../web/dist', import.meta.url));
const NOT_SHELL = new Set(['sw.js', 'security-headers.json']);
/** The HEIC decoder: an install succeeds without it (web/vite.config.ts, isOptionalShellFile). */
const isOptional = (file: string) => /^assets\/(load-libheif|libheif)-[\w-]+\.(js|wasm)$/.test(file);

const listFiles = (dir: string, prefix = ''): string[] =>
  readdirSync(dir).flatMap((name) =>
    statSync(join(dir, name)).isDirectory()
      ? listFiles(join(dir, name), `${prefix}${name}/`)
      : [`${prefix}${name}`],
  );

test('the service worker caches exactly the app shell and the HEIC decoder, never API responses or blob URLs', async ({
  page,
  productionApp,
}) => {
  await page.goto(productionApp.origin);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  // A reload puts the page under the worker's control, so the requests below go through it.
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  await page.evaluate(async () => {
    await (await fetch('/api/v1/probe')).text();
    // How the viewer and album covers show decrypted images: an <img> on a blob: URL.
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>';
    const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
    const image = new Image();
    image.src = url;
    await image.decode();
    URL.revokeObjectURL(url);
  });

  const cached = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
    }
    return { names: await caches.keys(), urls: urls.sort() };
  });
  const expected = listFiles(distDir)
    .filter((file) => !NOT_SHELL.has(file))
    .map((file) => `${productionApp.origin}/${file}`)
    .sort();
  expect(cached.names).toHaveLength(1);
  expect(cached.urls).toEqual(expected);
  expect(listFiles(distDir).filter(isOptional)).toHaveLength(2); // the decoder's chunk and its .wasm
});

test('an update downloads only the files whose bytes may have changed', async ({ page }) => {
  // A new deployment as the browser sees it: sw.js names another version. Nothing else changed, so the files
  // named by their hash (everything under assets/) come from the old version's cache.
  let version = 'first';
  const requested: string[] = [];
  const server = await serveStatic(distDir, {
    transform: (path, body) =>
      path.endsWith('sw.js')
        ? Buffer.from(body.toString().replace(/(version\\?":\\?")[0-9a-f]+/, `$1${version}`))
        : body,
    onRequest: (path) => requested.push(path),
  });
  try {
    await page.goto(server.origin);
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    const assets = listFiles(distDir).filter((file) => file.startsWith('assets/'));
    for (const file of assets) expect(requested).toContain(`/${file}`);

    requested.length = 0;
    version = 'second';
    await page.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())!.update();
    });
    await expect
      .poll(() =>
        page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting !== null),
      )
      .toBe(true);
    const names = await page.evaluate(() => caches.keys());
    expect(names.sort()).toEqual(['halyon-shell-first', 'halyon-shell-second']);
    const cachedInNew = await page.evaluate(async () =>
      (await (await caches.open('halyon-shell-second')).keys()).map(
        (request) => new URL(request.url).pathname,
      ),
    );
    const shell = listFiles(distDir).filter((file) => !NOT_SHELL.has(file));
    expect(cachedInNew.sort()).toEqual(shell.map((file) => `/${file}`).sort());
    expect(requested.filter((path) => path.startsWith('/assets/'))).toEqual([]);
    expect(requested).toContain('/index.html');
  } finally {
    await server.close();
  }
});

test('the app shell opens offline from the cache, still under the CSP', async ({
  page,
  context,
  productionApp,
}) => {
  await page.goto(productionApp.origin);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  await context.setOffline(true);
  const problems = await watchPageProblems(page);
  await page.goto(`${productionApp.origin}/albums`);
  await expect(page.getByRole('button', { name: 'Create an account' })).toBeVisible();
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
  // The cached response kept its headers: markup that is not a template is still refused.
  const trustedTypesEnforced = await page.evaluate(() => {
    try {
      document.createElement('div').innerHTML = '<b>not a template</b>';
      return false;
    } catch {
      return true;
    }
  });
  expect(trustedTypesEnforced).toBe(true);
  await context.setOffline(false);
});
