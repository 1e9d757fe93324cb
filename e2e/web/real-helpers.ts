// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

/**
 * @module Steps the real-server web specs share: making JPEGs in the browser, registering and signing in through
 * the UI, uploading, and a second device (another browser context on the same account).
 */

import { type Browser, type BrowserContext, expect, type Page } from '@playwright/test';

export const makeJpeg = async (page: Page, hue: number): Promise<Buffer> => {
  const base64 = await page.evaluate(async (h) => {
    const canvas = new OffscreenCanvas(640, 480);
    const context = canvas.getContext('2d')!;
    context.fillStyle = `hsl(${h} 70% 50%)`;
    context.fillRect(0, 0, 640, 480);
    context.fillStyle = '#fff';
    context.fillRect(100 + h / 2, 100, 200, 150);
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg' })).arrayBuffer());
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary);
  }, hue);
  return Buffer.from(base64, 'base64');
};

/**
 * Registers through the screens, confirms the recovery words, and waits for the empty library. Returns the words
 * (for the recovery spec).
 */
export const registerThroughUi = async (
  page: Page,
  email: string,
  password: string,
): Promise<ReadonlyArray<string>> => {
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Repeat password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  const recoveryWords = page.getByRole('list', { name: 'Recovery key' }).getByRole('listitem');
  // Registering derives the key twice (create, then sign in) with Argon2id: seconds on a slow machine.
  await expect(recoveryWords).toHaveCount(24, { timeout: 60_000 });
  const words = await recoveryWords.allTextContents();
  await page.getByLabel('I have written down my recovery key').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  for (const field of await page.getByLabel(/^Word \d+$/).all()) {
    const label =
      (await field.evaluate((input) => (input as HTMLInputElement).labels?.[0]?.textContent)) ?? '';
    await field.fill(words[Number(label.replace('Word ', '')) - 1]!);
  }
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('heading', { name: 'Your vault is empty' })).toBeVisible();
  return words;
};

/** Signs in through the login screen of a device that has never seen the account. */
export const signInThroughUi = async (page: Page, email: string, password: string): Promise<void> => {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Photos' })).toBeVisible({
    timeout: 60_000,
  });
};

/** Another device on the same account: a fresh browser context (its own IndexedDB and caches), signed in. */
export const openSecondDevice = async (
  browser: Browser,
  origin: string,
  email: string,
  password: string,
): Promise<{ context: BrowserContext; page: Page }> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(origin);
  await signInThroughUi(page, email, password);
  return { context, page };
};

export interface UploadFile {
  readonly name: string;
  readonly buffer: Buffer;
}

/** Picks files with the upload button's file input (the folder input has no `accept`). */
export const pickFiles = (page: Page, files: ReadonlyArray<UploadFile>): Promise<void> =>
  page
    .locator('input[type="file"][accept]')
    .setInputFiles(files.map(({ name, buffer }) => ({ name, mimeType: 'image/jpeg', buffer })));

/** Opens the photo in the viewer, types the caption and saves it with Enter, then closes the viewer. */
export const setCaptionInViewer = async (page: Page, cell: string, caption: string): Promise<void> => {
  await page.locator(cell).click();
  const viewer = page.getByRole('dialog');
  const field = viewer.getByLabel('Caption');
  if (!(await field.isVisible())) await viewer.getByRole('button', { name: 'Info' }).click();
  await field.fill(caption);
  await field.press('Enter');
  await viewer.getByRole('button', { name: 'Close' }).click();
  await expect(viewer).toHaveCount(0);
};

/** Changes made on one device reach another over the network: generous, since the machine may be loaded. */
export const LIVE = { timeout: 30_000 } as const;
