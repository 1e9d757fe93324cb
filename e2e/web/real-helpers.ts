// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

/** @module Steps the real-server web specs share: making JPEGs in the browser, registering through the UI. */

import { expect, type Page } from '@playwright/test';

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

/** Registers through the screens, confirms the recovery words, and waits for the empty library. */
export const registerThroughUi = async (page: Page, email: string, password: string): Promise<void> => {
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
};
