import { randomUUID } from 'node:crypto';
import type { Browser, Page } from '@playwright/test';
import { expect, test, watchPageProblems } from './fixtures';
import {
  LIVE,
  makeJpeg,
  openSecondDevice,
  pickFiles,
  registerThroughUi,
  setCaptionInViewer,
} from './real-helpers';
import { type RealServer, startRealServer } from './real-server';

let server: RealServer;
test.beforeAll(async () => {
  server = await startRealServer();
});
test.afterAll(async () => {
  await server?.close();
});

const password = 'copper violet anchor drift';

/** Device A with one synced photo, device B watching the same account; returns A's photo cell id. */
const twoDevicesWithAPhoto = async (page: Page, browser: Browser) => {
  const email = `offline-${randomUUID()}@example.org`;
  await page.goto(server.origin);
  await registerThroughUi(page, email, password);
  await pickFiles(page, [{ name: 'meadow.jpg', buffer: await makeJpeg(page, 90) }]);
  const photos = page.getByRole('listbox', { name: 'Photos' });
  await expect(photos.getByRole('option')).toHaveCount(1, { timeout: 60_000 });
  const cellId = (await photos.getByRole('option').getAttribute('id'))!;
  const uploads = page.getByRole('region', { name: 'Uploads' });
  await expect(uploads).toContainText('1 uploaded');
  await uploads.getByRole('button', { name: 'Clear finished' }).click();
  const deviceB = await openSecondDevice(browser, server.origin, email, password);
  await expect(deviceB.page.locator(`#${cellId}`)).toBeVisible(LIVE);
  // The service worker has cached the shell before the network goes away.
  await page.evaluate(() => navigator.serviceWorker.ready);
  return { cellId, deviceB };
};

/** Offline on A: upload a photo, caption and favourite the synced one. Both wait visibly. */
const editOffline = async (page: Page, cellId: string) => {
  await page.context().setOffline(true);
  await expect(page.getByText('You are offline.')).toBeVisible();
  await pickFiles(page, [{ name: 'offline-upload.jpg', buffer: await makeJpeg(page, 300) }]);
  await expect(page.getByRole('region', { name: 'Uploads' })).toContainText(/offline-upload\.jpg\s*Waiting/);
  await setCaptionInViewer(page, `#${cellId}`, 'Edited with no network');
  const cell = page.locator(`#${cellId}`);
  await cell.click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Add to favourites' }).click();
  await expect(cell).toHaveAttribute('aria-label', /not synced yet/);
  await expect(page.getByRole('status').filter({ hasText: /waiting to sync/ })).toBeVisible();
};

/** What B must show once A is back online: two photos, the caption (found by search) and the favourite. */
const expectSyncedTo = async (b: Page, cellId: string) => {
  await b.getByRole('link', { name: 'Photos' }).click();
  await expect(b.getByRole('listbox', { name: 'Photos' }).getByRole('option')).toHaveCount(2, LIVE);
  await b.getByRole('link', { name: 'Favourites' }).click();
  await expect(b.getByRole('listbox', { name: 'Favourites' }).locator(`#${cellId}`)).toBeVisible(LIVE);
  await b.getByRole('searchbox', { name: 'Search your photos' }).fill('no network');
  await expect(
    b.getByRole('listbox', { name: 'Results for “no network”' }).locator(`#${cellId}`),
  ).toBeVisible(LIVE);
};

test('offline: an upload and edits wait on the device, then reach the other device when the network returns', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const problems = await watchPageProblems(page);
  const { cellId, deviceB } = await twoDevicesWithAPhoto(page, browser);
  await editOffline(page, cellId);

  await page.context().setOffline(false);
  await expect(page.getByRole('region', { name: 'Uploads' })).toContainText('1 uploaded', LIVE);
  await expect(page.getByRole('status').filter({ hasText: 'All changes saved' })).toBeVisible(LIVE);
  await expectSyncedTo(deviceB.page, cellId);
  expect(problems.pageErrors).toEqual([]);
  await deviceB.context.close();
});

// Unlocking offline opens the remembered vault envelope with the password on the device; the session with the
// server opens once it is reachable, and the waiting edits and upload go out then.
test('offline: reload with no network, the app opens from cache, unlocks and shows the library with the pending items; back online, everything syncs', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const problems = await watchPageProblems(page);
  const { cellId, deviceB } = await twoDevicesWithAPhoto(page, browser);
  await editOffline(page, cellId);

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Vault locked' })).toBeVisible();
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Unlock' }).click();
  const photos = page.getByRole('listbox', { name: 'Photos' });
  await expect(photos.locator(`#${cellId}`)).toHaveAttribute('aria-label', /not synced yet/, LIVE);
  await expect(page.getByRole('status').filter({ hasText: /waiting to sync/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Uploads' })).toContainText('offline-upload.jpg');

  await page.context().setOffline(false);
  await expect(page.getByRole('status').filter({ hasText: 'All changes saved' })).toBeVisible(LIVE);
  await expectSyncedTo(deviceB.page, cellId);
  expect(problems.pageErrors).toEqual([]);
  await deviceB.context.close();
});
