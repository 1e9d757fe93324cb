import { randomUUID } from 'node:crypto';
import type { Locator } from '@playwright/test';
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

/** A thumbnail decrypted and shown: a canvas in the cell holding the decoded image. */
const expectThumbnailShown = async (cell: Locator) => {
  const image = cell.locator('canvas');
  await expect(image).toBeVisible(LIVE);
  await expect
    .poll(() => image.evaluate((canvas) => (canvas as HTMLCanvasElement).width), LIVE)
    .toBeGreaterThan(0);
};

test('offline unlock: lock and reload with no network, unlock from the device, edit; back online the edit reaches the other device', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const problems = await watchPageProblems(page);
  const email = `offline-unlock-${randomUUID()}@example.org`;
  await page.goto(server.origin);
  await registerThroughUi(page, email, password);
  await pickFiles(page, [{ name: 'harbour.jpg', buffer: await makeJpeg(page, 200) }]);
  const photos = page.getByRole('listbox', { name: 'Photos' });
  await expect(photos.getByRole('option')).toHaveCount(1, { timeout: 60_000 });
  const cellId = (await photos.getByRole('option').getAttribute('id'))!;
  await expect(page.getByRole('region', { name: 'Uploads' })).toContainText('1 uploaded');
  // Shown once online: the thumbnail is now in the encrypted cache.
  await expectThumbnailShown(page.locator(`#${cellId}`));
  const deviceB = await openSecondDevice(browser, server.origin, email, password);
  await expect(deviceB.page.locator(`#${cellId}`)).toBeVisible(LIVE);
  await page.evaluate(() => navigator.serviceWorker.ready);

  // No network from here on: lock, reload (the shell comes from the service worker), unlock on the device.
  await page.context().setOffline(true);
  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Vault locked' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Vault locked' })).toBeVisible();
  await page.getByLabel('Password').fill('not my password');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByText('That e-mail and password do not match.')).toBeVisible({ timeout: 60_000 });
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Unlock' }).click();

  const cell = page.locator(`#${cellId}`);
  await expect(cell).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText('You are offline.')).toBeVisible();
  await expectThumbnailShown(cell);

  await setCaptionInViewer(page, `#${cellId}`, 'Written after an offline unlock');
  await expect(cell).toHaveAttribute('aria-label', /not synced yet/);
  await expect(
    page.getByRole('status').filter({ hasText: /Offline · 1 change waiting to sync/ }),
  ).toBeVisible();

  await page.context().setOffline(false);
  await expect(page.getByRole('status').filter({ hasText: 'All changes saved' })).toBeVisible(LIVE);
  await expect(cell).not.toHaveAttribute('aria-label', /not synced yet/);
  await deviceB.page.getByRole('searchbox', { name: 'Search your photos' }).fill('offline unlock');
  await expect(
    deviceB.page.getByRole('listbox', { name: 'Results for “offline unlock”' }).locator(`#${cellId}`),
  ).toBeVisible(LIVE);

  // One session per device in the devices list: the unlock's own, not one per sign-in and unlock.
  // (A's first session, left open when it locked offline, is revoked once A signs in again.)
  const devices = deviceB.page.getByRole('list', { name: 'Signed-in devices' }).getByRole('listitem');
  await expect(async () => {
    await deviceB.page.getByRole('link', { name: 'Photos' }).click();
    await deviceB.page.getByRole('link', { name: 'Settings' }).click();
    await expect(devices).toHaveCount(2, { timeout: 2000 });
  }).toPass(LIVE);
  expect(problems.pageErrors).toEqual([]);
  await deviceB.context.close();
});

test('a password changed on another device: the old one still unlocks offline, the server refuses once online, and the banner leads to the current one', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const problems = await watchPageProblems(page);
  const email = `offline-unlock-${randomUUID()}@example.org`;
  const newPassword = 'lantern meadow quartz ember';
  await page.goto(server.origin);
  await registerThroughUi(page, email, password);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.getByRole('button', { name: 'Lock', exact: true }).click();

  const deviceB = await openSecondDevice(browser, server.origin, email, password);
  await deviceB.page.getByRole('link', { name: 'Settings' }).click();
  await deviceB.page.getByLabel('Current password').fill(password);
  await deviceB.page.getByLabel('New password').fill(newPassword);
  await deviceB.page.getByRole('button', { name: 'Change password' }).click();
  await expect(deviceB.page.getByRole('status').filter({ hasText: 'Password changed.' })).toBeVisible({
    timeout: 60_000,
  });

  await page.context().setOffline(true);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: 'Your vault is empty' })).toBeVisible({ timeout: 60_000 });
  await page.context().setOffline(false);
  const refused = page.getByText("The server did not accept this device's sign-in");
  await expect(refused).toBeVisible(LIVE);

  await page.getByRole('button', { name: 'Lock and enter password' }).click();
  await page.getByLabel('Password').fill(newPassword);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: 'Your vault is empty' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('status').filter({ hasText: 'All changes saved' })).toBeVisible(LIVE);
  await expect(refused).toHaveCount(0);
  expect(problems.pageErrors).toEqual([]);
  await deviceB.context.close();
});
