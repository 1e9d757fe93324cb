/**
 * Screenshots of the main screens (gallery build, demo data) saved as test artifacts under
 * e2e/test-results/web/screenshots/, in light and dark, desktop and phone. Each also checks the screen rendered
 * with no CSP violation.
 */

import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test, watchPageProblems } from './fixtures';

const screenshotDir = fileURLToPath(new URL('../test-results/web/screenshots/', import.meta.url));
const shoot = (page: Page, name: string) => page.screenshot({ path: `${screenshotDir}${name}.png` });

test('timeline, viewer, uploads, albums and settings', async ({ page, galleryApp }) => {
  const problems = await watchPageProblems(page);
  await page.goto(`${galleryApp.origin}/?uploads=1`);
  await expect(page.locator('#photo-cell-p000000 canvas')).toBeVisible();
  await shoot(page, 'timeline-with-uploads');

  await page.getByRole('button', { name: 'Collapse' }).click();
  await page.locator('#photo-cell-p000002').click({ modifiers: ['ControlOrMeta'] });
  await page.locator('#photo-cell-p000005').click({ modifiers: ['Shift'] });
  await shoot(page, 'timeline-selection');
  await page.getByRole('button', { name: 'Add to album' }).click();
  await expect(page.getByRole('menuitem', { name: 'Garden' })).toBeVisible();
  await shoot(page, 'add-to-album-menu');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Clear selection' }).click();

  await page.locator('#photo-cell-p000000').click();
  await page.getByRole('button', { name: 'Info' }).click();
  await expect(page.locator('.viewer__image')).toBeVisible();
  await shoot(page, 'viewer-info');
  await page.keyboard.press('Escape');

  await page.getByRole('link', { name: 'Albums' }).click();
  await expect(page.getByRole('heading', { name: 'Albums' })).toBeVisible();
  await shoot(page, 'albums');

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByText('Dark', { exact: true }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await shoot(page, 'settings-dark');
  await page.getByRole('link', { name: 'Photos' }).click();
  await expect(page.locator('#photo-cell-p000000 canvas')).toBeVisible();
  await shoot(page, 'timeline-dark');
  expect(problems.cspViolations).toEqual([]);
});

test('sign-in, register with strength meter, recovery key', async ({ page, galleryApp }) => {
  const problems = await watchPageProblems(page);
  await page.goto(`${galleryApp.origin}/?state=signedOut`);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await shoot(page, 'sign-in');

  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('E-mail').fill('ada@example.org');
  await page.getByLabel('Password', { exact: true }).fill('copper violet anchor drift');
  await page.getByLabel('Repeat password').fill('copper violet anchor drift');
  await shoot(page, 'register');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('list', { name: 'Recovery key' })).toBeVisible();
  await shoot(page, 'recovery-key');
  expect(problems.cspViolations).toEqual([]);
});

test('phone layout', async ({ page, galleryApp }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ reducedMotion: 'reduce' }); // the drawer opens without a slide, for a stable shot
  await page.goto(galleryApp.origin);
  await expect(page.locator('#photo-cell-p000000 canvas')).toBeVisible();
  // The closed drawer is out of the tab order, not just off screen.
  await expect(page.getByRole('link', { name: 'Albums' })).toBeHidden();
  await shoot(page, 'phone-timeline');
  await page.getByRole('button', { name: 'Menu' }).click();
  await expect(page.getByRole('link', { name: 'Albums' })).toBeVisible();
  await shoot(page, 'phone-navigation');
});
