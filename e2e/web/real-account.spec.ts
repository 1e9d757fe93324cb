// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

/**
 * The account on the real server: recovering with the recovery words on a new device, changing the password in
 * settings, signing another device out from the devices list, and making a new recovery key.
 */

import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
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

const PASSWORD = 'copper violet anchor drift';
const NEW_PASSWORD = 'lantern meadow quartz ember';
// Each step derives keys with Argon2id (128 MiB), several times over: seconds each on a loaded machine.
const KEY_DERIVATION = { timeout: 90_000 };

const newEmail = () => `account-${randomUUID()}@example.org`;

const openSettings = async (page: Page) => {
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
};

const devicesList = (page: Page) => page.getByRole('list', { name: 'Signed-in devices' });

test('forgot password: the recovery words and a new password open the same library on a new device', async ({
  page,
  browser,
}) => {
  const problems = await watchPageProblems(page);
  const email = newEmail();
  await page.goto(server.origin);
  const words = await registerThroughUi(page, email, PASSWORD);
  await page
    .locator('input[type="file"][accept]')
    .setInputFiles([{ name: 'lake.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(page, 140) }]);
  const photos = page.getByRole('listbox', { name: 'Photos' });
  await expect(photos.getByRole('option')).toHaveCount(1, { timeout: 60_000 });
  await expect(page.getByRole('region', { name: 'Uploads' })).toContainText('1 uploaded', {
    timeout: 60_000,
  });

  // A new device that never held the keys: the library it shows comes from the server.
  const device = await browser.newContext();
  const other = await device.newPage();
  await other.goto(server.origin);
  await other.getByRole('button', { name: 'Forgot your password?' }).click();
  await other.getByLabel('E-mail').fill(email);
  await other.getByLabel(/^Recovery key/).fill(words.join(' '));
  await expect(other.getByLabel(/^Recovery key/)).toBeVisible();
  await other.getByLabel('New password').fill(NEW_PASSWORD);
  await other.getByRole('button', { name: 'Recover' }).click();
  const recoveredPhotos = other.getByRole('listbox', { name: 'Photos' });
  await expect(recoveredPhotos.getByRole('option')).toHaveCount(1, KEY_DERIVATION);
  await expect(recoveredPhotos.locator('canvas')).toHaveCount(1);
  await other.screenshot({ path: 'test-results/real-account-recovered.png' });

  // Recovery ended every earlier session: the first device is told so.
  await openSettings(page);
  await expect(page.getByText('This device was signed out of your account.')).toBeVisible();

  // The old password no longer opens the vault; the new one does.
  await other.reload();
  await other.getByLabel('Password').fill(PASSWORD);
  await other.getByRole('button', { name: 'Unlock' }).click();
  await expect(other.getByText('That e-mail and password do not match.')).toBeVisible(KEY_DERIVATION);
  await other.getByLabel('Password').fill(NEW_PASSWORD);
  await other.getByRole('button', { name: 'Unlock' }).click();
  await expect(recoveredPhotos.locator('canvas')).toHaveCount(1, KEY_DERIVATION);
  await device.close();
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});

test('wrong words are refused without saying whether the account exists', async ({ page }) => {
  await page.goto(server.origin);
  await page.getByRole('button', { name: 'Forgot your password?' }).click();
  await page.getByLabel('E-mail').fill(newEmail());
  // 24 valid words with a valid checksum ("abandon" x23 + "art"), but nobody's recovery key.
  await page.getByLabel(/^Recovery key/).fill(`${'abandon '.repeat(23)}art`);
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Recover' }).click();
  await expect(
    page.getByText('That recovery key does not open a vault for this e-mail address.'),
  ).toBeVisible(KEY_DERIVATION);
});

test('changing the password in settings: a wrong current password changes nothing, then the new one unlocks', async ({
  page,
}) => {
  const problems = await watchPageProblems(page);
  await page.goto(server.origin);
  await registerThroughUi(page, newEmail(), PASSWORD);
  await openSettings(page);

  await page.getByLabel('Current password').fill('not my password at all');
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('The current password is not right.')).toBeVisible(KEY_DERIVATION);

  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Password changed.' })).toBeVisible(KEY_DERIVATION);
  await page.screenshot({ path: 'test-results/real-account-password-changed.png' });

  await page.getByRole('button', { name: 'Lock', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Unlock' })).toBeVisible();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByText('That e-mail and password do not match.')).toBeVisible(KEY_DERIVATION);
  await page.getByLabel('Password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
  // Back where the vault was locked; locking ended the old session, so this device is listed once.
  await expect(devicesList(page).getByRole('listitem')).toHaveCount(1, KEY_DERIVATION);
  await expect(devicesList(page)).toContainText('(this device)');
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});

test('signing another device out from the devices list ends its session at once', async ({
  page,
  browser,
}) => {
  const email = newEmail();
  await page.goto(server.origin);
  await registerThroughUi(page, email, PASSWORD);

  const device = await browser.newContext();
  const other = await device.newPage();
  await other.goto(server.origin);
  await other.getByLabel('E-mail').fill(email);
  await other.getByLabel('Password').fill(PASSWORD);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('heading', { name: 'Your vault is empty' })).toBeVisible(KEY_DERIVATION);

  await openSettings(page);
  const devices = devicesList(page).getByRole('listitem');
  await expect(devices).toHaveCount(2);
  await expect(devices.filter({ hasText: '(this device)' })).toHaveCount(1);
  await devicesList(page).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/real-account-devices.png' });
  await devicesList(page)
    .getByRole('button', { name: /^Sign out / })
    .click();
  await expect(devices).toHaveCount(1);
  await expect(devices).toContainText('(this device)');

  // The other device's access token is refused on its very next request.
  await openSettings(other);
  await expect(other.getByText('This device was signed out of your account.')).toBeVisible();
  await device.close();
});

test('a new recovery key from settings: the old words stop working, the new ones recover', async ({
  page,
  browser,
}) => {
  const email = newEmail();
  await page.goto(server.origin);
  const oldWords = await registerThroughUi(page, email, PASSWORD);
  await openSettings(page);
  await page.getByLabel('Password for the new recovery key').fill(PASSWORD);
  await page.getByRole('button', { name: 'Make a new recovery key' }).click();
  const shownWords = page.getByRole('list', { name: 'New recovery key' }).getByRole('listitem');
  await expect(shownWords).toHaveCount(24, KEY_DERIVATION);
  const newWords = await shownWords.allTextContents();
  await page.getByRole('button', { name: 'I have written them down' }).click();
  await expect(shownWords).toHaveCount(0);

  const device = await browser.newContext();
  const other = await device.newPage();
  await other.goto(server.origin);
  await other.getByRole('button', { name: 'Forgot your password?' }).click();
  await other.getByLabel('E-mail').fill(email);
  await other.getByLabel('New password').fill(NEW_PASSWORD);
  await other.getByLabel(/^Recovery key/).fill(oldWords.join(' '));
  await other.getByRole('button', { name: 'Recover' }).click();
  await expect(
    other.getByText('That recovery key does not open a vault for this e-mail address.'),
  ).toBeVisible(KEY_DERIVATION);
  await other.getByLabel(/^Recovery key/).fill(newWords.join(' '));
  await other.getByRole('button', { name: 'Recover' }).click();
  await expect(other.getByRole('heading', { name: 'Your vault is empty' })).toBeVisible(KEY_DERIVATION);
  await device.close();
});
