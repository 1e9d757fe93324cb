// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />
/**
 * A HEIC through the real app in Chromium, which cannot decode HEIC itself: the worker loads libheif-js from our
 * origin under the app's CSP, the grid shows the decrypted thumbnail upright, the viewer shows a preview (the
 * original could not be shown), and the service worker caches the decoder at install, so a HEIC chosen offline
 * after a reload gets its thumbnails too, with no HEIC ever met online. See: [Note: The HEIC decoder offline]
 * And a HEIC stored without thumbnails (its device had no decoder) gets them from a device that has one. See:
 * [Note: Thumbnails made later]
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, test, watchPageProblems } from './fixtures';
import { openSecondDevice, registerThroughUi } from './real-helpers';
import { type RealServer, startRealServer } from './real-server';

let server: RealServer;
test.beforeAll(async () => {
  server = await startRealServer();
});
test.afterAll(async () => {
  await server?.close();
});

/** RGB at the centres of a canvas's quadrants: top left, top right, bottom left, bottom right. */
const quadrantsOf = (painted: HTMLCanvasElement | HTMLImageElement) => {
  const width = painted instanceof HTMLImageElement ? painted.naturalWidth : painted.width;
  const height = painted instanceof HTMLImageElement ? painted.naturalHeight : painted.height;
  if (width === 0) return null;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d')!;
  context.drawImage(painted, 0, 0);
  const at = (fx: number, fy: number) => [
    ...context.getImageData(Math.floor(width * fx), Math.floor(height * fy), 1, 1).data.subarray(0, 3),
  ];
  const near = (pixel: number[], want: number[]) => pixel.every((v, i) => Math.abs(v - want[i]!) < 60);
  return {
    wide: width > height,
    quadrants: [
      near(at(0.25, 0.25), [255, 0, 0]),
      near(at(0.75, 0.25), [0, 255, 0]),
      near(at(0.25, 0.75), [0, 0, 255]),
      near(at(0.75, 0.75), [255, 255, 0]),
    ],
  };
};
const UPRIGHT = { wide: true, quadrants: [true, true, true, true] };

const heicFixture = (name: string) =>
  readFile(new URL(`../../client-core/src/upload/fixtures/heic/${name}`, import.meta.url));

test('uploads a HEIC in Chromium: libheif-js makes its thumbnail and preview, upright, under the CSP', async ({
  page,
}) => {
  const problems = await watchPageProblems(page);
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(server.origin);
  // Under the service worker's control, so its cache of the decoder can be checked.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await registerThroughUi(page, `heic-${randomUUID()}@example.org`, 'amber willow canyon frost');

  // Stored on its side with irot and EXIF orientation 6 (client-core/src/upload/fixtures/heic/README.md).
  const heic = await heicFixture('quadrants-irot.heic');
  await page
    .locator('input[type="file"][accept]')
    .setInputFiles([{ name: 'IMG_0001.HEIC', mimeType: 'image/heic', buffer: heic }]);
  await expect(page.getByRole('region', { name: 'Uploads' })).toContainText('1 uploaded', {
    timeout: 60_000,
  });

  const cell = page.getByRole('listbox', { name: 'Photos' }).getByRole('option');
  await expect(cell).toHaveCount(1);
  const thumbnail = cell.locator('canvas');
  await expect(thumbnail).toHaveCount(1, { timeout: 30_000 });
  await expect.poll(() => thumbnail.evaluate(quadrantsOf)).toEqual(UPRIGHT);

  await cell.click();
  const preview = page.getByRole('dialog').locator('img.viewer__image');
  await expect(preview).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => preview.evaluate(quadrantsOf)).toEqual(UPRIGHT);

  const cached = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys())
      for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
    return urls;
  });
  expect(cached.filter((url) => /\/assets\/(load-libheif|libheif)-/.test(url))).toHaveLength(2);

  const origin = new URL(server.origin).origin;
  expect(requests.filter((url) => !/^(blob|data):/.test(url) && new URL(url).origin !== origin)).toEqual([]);
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});

test('a HEIC chosen offline in a reloaded app gets its thumbnail from the decoder the install cached', async ({
  page,
}) => {
  const problems = await watchPageProblems(page);
  const password = 'amber willow canyon frost';
  await page.goto(server.origin);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await registerThroughUi(page, `heic-offline-${randomUUID()}@example.org`, password);
  const input = page.locator('input[type="file"][accept]');
  const uploads = page.getByRole('region', { name: 'Uploads' });
  const photos = page.getByRole('listbox', { name: 'Photos' }).getByRole('option');

  // No network from here on, and a fresh worker: lock, reload from the service worker, unlock on the device.
  // Any request for the decoder that reaches the network (or the HTTP cache, which routing bypasses) fails: it
  // must come from the service worker's cache, which routing does not see.
  await page.context().route(/\/assets\/(load-libheif|libheif)-/, (route) => route.abort());
  await page.context().setOffline(true);
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Vault locked' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Vault locked' })).toBeVisible();
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByText('You are offline.')).toBeVisible({ timeout: 60_000 });

  // Prepared (thumbnails made, sealed, staged) while offline: it waits for the network.
  await input.setInputFiles([
    { name: 'IMG_0001.HEIC', mimeType: 'image/heic', buffer: await heicFixture('quadrants.heic') },
  ]);
  await expect(uploads).toContainText(/IMG_0001\.HEIC\s*Waiting/, { timeout: 60_000 });

  await page.context().setOffline(false);
  await expect(uploads).toContainText('1 uploaded', { timeout: 60_000 });
  await expect(photos).toHaveCount(1);
  const thumbnail = photos.locator('canvas');
  await expect(thumbnail).toHaveCount(1, { timeout: 30_000 });
  await expect.poll(() => thumbnail.evaluate(quadrantsOf), { timeout: 30_000 }).toEqual(UPRIGHT);
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});

test('a HEIC stored without thumbnails by a device without the decoder gets them from a device with it', async ({
  page,
  browser,
}) => {
  // This device cannot load the decoder at all (the install's fetch of it fails too): its HEIC is stored as is.
  await page.context().route(/\/assets\/(load-libheif|libheif)-/, (route) => route.abort());
  const problems = await watchPageProblems(page);
  const email = `heic-later-${randomUUID()}@example.org`;
  const password = 'amber willow canyon frost';
  await page.goto(server.origin);
  await registerThroughUi(page, email, password);
  await page
    .locator('input[type="file"][accept]')
    .setInputFiles([
      { name: 'IMG_0001.HEIC', mimeType: 'image/heic', buffer: await heicFixture('quadrants-irot.heic') },
    ]);
  await expect(page.getByRole('region', { name: 'Uploads' })).toContainText('1 uploaded', {
    timeout: 60_000,
  });
  const cell = page.getByRole('listbox', { name: 'Photos' }).getByRole('option');
  await expect(cell).toHaveCount(1);
  await expect(cell.locator('canvas')).toHaveCount(0);

  // A second device, which can decode it, makes the thumbnails after its first sync; the first device shows them.
  const laptop = await openSecondDevice(browser, server.origin, email, password);
  try {
    const onLaptop = laptop.page
      .getByRole('listbox', { name: 'Photos' })
      .getByRole('option')
      .locator('canvas');
    await expect(onLaptop).toHaveCount(1, { timeout: 60_000 });
    await expect.poll(() => onLaptop.evaluate(quadrantsOf), { timeout: 30_000 }).toEqual(UPRIGHT);
    await expect(cell.locator('canvas')).toHaveCount(1, { timeout: 60_000 });
    await expect
      .poll(() => cell.locator('canvas').evaluate(quadrantsOf), { timeout: 30_000 })
      .toEqual(UPRIGHT);
  } finally {
    await laptop.context.close();
  }
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});
