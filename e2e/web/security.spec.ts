// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, watchPageProblems } from './fixtures';

const HOSTILE_ALBUM_NAME = '<img src=x onerror="window.__pwned=1">Summer';
const HOSTILE_FILE_NAME = '<script>window.__pwned=1</script>beach.jpg';

test('the built app is served with the strict header set and loads with no CSP violation', async ({
  page,
  productionApp,
}) => {
  const problems = await watchPageProblems(page);
  const response = await page.goto(productionApp.origin);
  const headers = response!.headers();
  const csp = headers['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
  expect(csp).toContain("require-trusted-types-for 'script'");
  expect(csp).not.toContain("'unsafe-inline'");
  expect(csp).not.toContain("'unsafe-eval'");
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-resource-policy']).toBe('same-origin');

  // Rendering at all proves Solid's templates passed the Trusted Types policy; the worker answered "signed out".
  await expect(page.getByRole('button', { name: 'Create an account' })).toBeVisible();
  expect(problems).toEqual({ cspViolations: [], consoleErrors: [], pageErrors: [] });
});

test('markup that is not a compiled template is refused by Trusted Types', async ({
  page,
  productionApp,
}) => {
  await page.goto(productionApp.origin);
  await expect(page.getByRole('button', { name: 'Create an account' })).toBeVisible();
  const outcome = await page.evaluate(() => {
    try {
      document.createElement('div').innerHTML = '<img src=x onerror="window.__pwned=1">';
      return 'assigned';
    } catch (error) {
      return (error as Error).name;
    }
  });
  expect(outcome).toBe('TypeError');
});

test('names carrying script payloads render as text and run nothing', async ({ page, galleryApp }) => {
  const problems = await watchPageProblems(page);
  await page.goto(`${galleryApp.origin}/albums`);
  await expect(page.getByText(HOSTILE_ALBUM_NAME, { exact: true })).toBeVisible();
  await expect(page.locator('img[src="x"]')).toHaveCount(0);

  await page.goto(galleryApp.origin);
  await page.getByRole('option').nth(1).click();
  await page.getByRole('button', { name: 'Info' }).click();
  await expect(page.getByRole('complementary', { name: 'Info' }).getByText(HOSTILE_FILE_NAME)).toBeVisible();

  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.locator('script:not([src])').count()).toBe(0);
  expect(problems).toEqual({ cspViolations: [], consoleErrors: [], pageErrors: [] });
});

test('the production build ships no demo data', () => {
  const assets = fileURLToPath(new URL('../../web/dist/assets', import.meta.url));
  for (const file of readdirSync(assets)) {
    const text = readFileSync(join(assets, file), 'utf8');
    // Strings only the dev-only demo data source (web/gallery) contains.
    expect(text, file).not.toContain('Pixel 9 Pro');
    expect(text, file).not.toContain('Lisbon 2026');
  }
});
