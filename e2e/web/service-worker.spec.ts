// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, watchPageProblems } from './fixtures';

const distDir = fileURLToPath(new URL('../../web/dist', import.meta.url));
const NOT_SHELL = new Set(['sw.js', 'security-headers.json']);
/** The HEIC decoder: cached the first time it is loaded, not at install (web/vite.config.ts, isLazyShellFile). */
const isLazy = (file: string) => /^assets\/(load-libheif|libheif)-[\w-]+\.(js|wasm)$/.test(file);

const listFiles = (dir: string, prefix = ''): string[] =>
  readdirSync(dir).flatMap((name) =>
    statSync(join(dir, name)).isDirectory()
      ? listFiles(join(dir, name), `${prefix}${name}/`)
      : [`${prefix}${name}`],
  );

test('the service worker caches exactly the app shell, never API responses or blob URLs', async ({
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
    .filter((file) => !NOT_SHELL.has(file) && !isLazy(file))
    .map((file) => `${productionApp.origin}/${file}`)
    .sort();
  expect(cached.names).toHaveLength(1);
  expect(cached.urls).toEqual(expected);
  expect(listFiles(distDir).filter(isLazy)).toHaveLength(2); // the decoder's chunk and its .wasm
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
