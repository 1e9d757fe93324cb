// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

import { randomUUID } from 'node:crypto';
import { expect, test, watchPageProblems } from './fixtures';
import { makeJpeg, registerThroughUi } from './real-helpers';
import { type RealServer, startRealServer } from './real-server';

let server: RealServer;
test.beforeAll(async () => {
  server = await startRealServer();
});
test.afterAll(async () => {
  await server?.close();
});

test('register, upload two JPEGs, download an original byte for byte, favourite one in the viewer, reload, unlock, sign out and in: all still there', async ({
  page,
}) => {
  const problems = await watchPageProblems(page);
  const password = 'copper violet anchor drift';
  const email = `real-${randomUUID()}@example.org`;
  await page.goto(server.origin);

  await registerThroughUi(page, email, password);
  const photos = page.getByRole('listbox', { name: 'Photos' });

  const originals = new Map([
    ['sunrise.jpg', await makeJpeg(page, 20)],
    ['harbour.jpg', await makeJpeg(page, 200)],
  ]);
  await page
    .locator('input[type="file"][accept]')
    .setInputFiles([...originals].map(([name, buffer]) => ({ name, mimeType: 'image/jpeg', buffer })));
  await expect(photos.getByRole('option')).toHaveCount(2, { timeout: 60_000 });
  await expect(photos.locator('canvas')).toHaveCount(2);
  const uploads = page.getByRole('region', { name: 'Uploads' });
  await expect(uploads).toContainText('2 uploaded');
  await uploads.getByRole('button', { name: 'Clear finished' }).click();
  await expect(uploads).toHaveCount(0);

  await photos.getByRole('option').first().click();
  const viewer = page.getByRole('dialog');
  await expect(viewer.locator('img')).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    viewer.getByRole('button', { name: 'Download original' }).click(),
  ]);
  const original = originals.get(download.suggestedFilename());
  expect(original).toBeDefined();
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).equals(original!)).toBe(true);

  await viewer.getByRole('button', { name: 'Add to favourites' }).click();
  await expect(viewer.getByRole('button', { name: 'Remove from favourites' })).toBeVisible();
  await page.screenshot({ path: 'test-results/real-flow-viewer.png' });

  await page.reload();
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(photos.getByRole('option')).toHaveCount(2, { timeout: 60_000 });
  await expect(photos.locator('canvas')).toHaveCount(2);
  await photos.getByRole('option').first().click();
  await expect(
    page.getByRole('dialog').getByRole('button', { name: 'Remove from favourites' }),
  ).toBeVisible();
  await page.screenshot({ path: 'test-results/real-flow-after-unlock.png' });
  await page.keyboard.press('Escape');

  // Signing out forgets the account on this device; signing in again (key derived anew) opens the same library.
  await page.reload();
  await page.getByRole('button', { name: 'Sign out of this device' }).click();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(photos.getByRole('option')).toHaveCount(2, { timeout: 60_000 });
  await page.getByRole('link', { name: 'Favourites' }).click();
  await expect(page.getByRole('listbox', { name: 'Favourites' }).getByRole('option')).toHaveCount(1);
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});
