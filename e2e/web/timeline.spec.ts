// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

import { expect, test, trackPaintedImages, watchPageProblems } from './fixtures';

const activeCellId = (page: import('@playwright/test').Page) =>
  page.getByRole('listbox').getAttribute('aria-activedescendant');

test('keyboard moves through the grid and selects with space and shift+arrows', async ({
  page,
  galleryApp,
}) => {
  const problems = await watchPageProblems(page);
  await page.goto(galleryApp.origin);
  const grid = page.getByRole('listbox', { name: 'Photos' });
  await grid.focus();
  expect(await activeCellId(page)).toBe('photo-cell-p000000');

  await page.keyboard.press('ArrowRight');
  expect(await activeCellId(page)).toBe('photo-cell-p000001');
  await page.keyboard.press('Space');
  await expect(page.locator('#photo-cell-p000001')).toHaveAttribute('aria-selected', 'true');

  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await expect(page.getByRole('toolbar', { name: 'Selection' })).toContainText('3 selected');
  await expect(page.getByRole('option', { selected: true })).toHaveCount(3);

  // Down keeps the column unless the next row is shorter.
  const before = await activeCellId(page);
  await page.keyboard.press('ArrowDown');
  expect(await activeCellId(page)).not.toBe(before);

  await page.keyboard.press('Escape');
  await expect(page.getByRole('option', { selected: true })).toHaveCount(0);

  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  expect(problems).toEqual({ cspViolations: [], consoleErrors: [], pageErrors: [] });
});

test('click opens, ctrl-click, shift-click and drag select', async ({ page, galleryApp }) => {
  await page.goto(galleryApp.origin);
  const cell = (n: number) => page.locator(`#photo-cell-p${String(n).padStart(6, '0')}`);

  await cell(0).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.getByRole('button', { name: 'Next photo' }).click();
  await page.getByRole('button', { name: 'Info' }).click();
  await expect(page.getByRole('complementary', { name: 'Info' })).toContainText('.jpg');
  await page.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);

  await cell(0).click({ modifiers: ['ControlOrMeta'] });
  await cell(4).click({ modifiers: ['Shift'] });
  await expect(page.getByRole('option', { selected: true })).toHaveCount(5);
  await page.getByRole('button', { name: 'Clear selection' }).click();
  await expect(page.getByRole('option', { selected: true })).toHaveCount(0);

  const from = (await cell(1).boundingBox())!;
  const to = (await cell(3).boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
  await page.mouse.up();
  await expect(page.getByRole('option', { selected: true })).toHaveCount(3);
  await expect(cell(2)).toHaveAttribute('aria-selected', 'true');
  // Releasing a drag must not open the viewer.
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('with 100,000 photos only visible rows exist, End reaches the oldest, off-screen thumbnails are emptied', async ({
  page,
  galleryApp,
}) => {
  const livePaintedImages = await trackPaintedImages(page);
  await page.goto(`${galleryApp.origin}/?photos=100000`);
  const grid = page.getByRole('listbox', { name: 'Photos' });
  await expect(page.locator('#photo-cell-p000000 canvas')).toBeVisible();
  expect(await livePaintedImages()).toBeGreaterThan(0);
  const rendered = await page.getByRole('option').count();
  expect(rendered).toBeGreaterThan(0);
  expect(rendered).toBeLessThan(300);

  await grid.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('PageDown');
  await page.keyboard.press('End');
  expect(await activeCellId(page)).toBe('photo-cell-p099999');
  await expect(page.locator('#photo-cell-p099999 canvas')).toBeVisible();
  await expect(page.locator('#photo-cell-p000000')).toHaveCount(0);

  // Every canvas still holding a thumbnail belongs to a cell on screen.
  await expect
    .poll(async () => (await livePaintedImages()) - (await page.locator('[role=option] canvas').count()))
    .toBeLessThanOrEqual(0);
});
