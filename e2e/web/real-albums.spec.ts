// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from '@playwright/test';
import { expect, test, watchPageProblems } from './fixtures';
import { LIVE, makeJpeg, openSecondDevice, registerThroughUi, type UploadFile } from './real-helpers';
import { type RealServer, startRealServer } from './real-server';
import { readZipEntries } from './zip-entries';

let server: RealServer;
test.beforeAll(async () => {
  server = await startRealServer();
});
test.afterAll(async () => {
  await server?.close();
});

const PASSWORD = 'copper violet anchor drift';

/** Registers a new account and uploads the files; resolves once the timeline shows them all. */
const startWithPhotos = async (page: Page, name: string, files: (page: Page) => Promise<UploadFile[]>) => {
  const email = `${name}-${randomUUID()}@example.org`;
  await page.goto(server.origin);
  await registerThroughUi(page, email, PASSWORD);
  const uploads = await files(page);
  await page
    .locator('input[type="file"][accept]')
    .setInputFiles(uploads.map((f) => ({ name: f.name, mimeType: 'image/jpeg', buffer: f.buffer })));
  const photos = page.getByRole('listbox', { name: 'Photos' });
  await expect(photos.getByRole('option')).toHaveCount(uploads.length, { timeout: 60_000 });
  return { email, uploads, photos };
};

/** The photo ids of a grid, in the order shown. */
const shownOrder = (grid: Locator): Promise<string[]> =>
  grid.getByRole('option').evaluateAll((cells) => cells.map((cell) => cell.id));

const selectAll = async (grid: Locator) => {
  await grid.focus();
  await grid.press('ControlOrMeta+a');
};

const centreOf = async (cell: Locator) => {
  const box = (await cell.boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
};

test('albums on the real server: make, rename, set the cover, arrange by drag and by keyboard, remove a photo, delete', async ({
  page,
  browser,
}) => {
  const problems = await watchPageProblems(page);
  const { email, photos } = await startWithPhotos(page, 'albums', async (p) =>
    Promise.all(
      ['a', 'b', 'c', 'd'].map(async (n, i) => ({ name: `${n}.jpg`, buffer: await makeJpeg(p, i * 80) })),
    ),
  );

  await selectAll(photos);
  await page.getByRole('button', { name: 'Add to album' }).click();
  await page.getByRole('menuitem', { name: 'New album…' }).click();
  await page.getByRole('dialog', { name: 'New album' }).getByLabel('Name').fill('Trip');
  await page.getByRole('button', { name: 'Create' }).click();

  await page.getByRole('link', { name: 'Albums' }).click();
  const card = page.getByRole('link', { name: /Trip/ });
  await expect(card).toContainText('4 items');
  // The cover (the first photo until one is chosen) is a decrypted thumbnail.
  await expect(card.locator('img')).toBeVisible();
  await card.click();
  const album = page.getByRole('listbox', { name: 'Trip' });
  await expect(album.getByRole('option')).toHaveCount(4);

  await page.getByRole('button', { name: 'Rename album' }).click();
  const renameDialog = page.getByRole('dialog', { name: 'Rename album' });
  await expect(renameDialog.getByLabel('Name')).toHaveValue('Trip');
  await renameDialog.getByLabel('Name').fill('Summer trip');
  await renameDialog.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByRole('heading', { name: 'Summer trip' })).toBeVisible();
  const arranged = page.getByRole('listbox', { name: 'Summer trip' });

  // Arrange: drag the first photo onto the third place.
  const [p1, p2, p3, p4] = await shownOrder(arranged);
  await page.getByRole('button', { name: 'Arrange' }).click();
  await expect(page.getByText('Drag photos to change their order')).toBeVisible();
  const from = await centreOf(arranged.getByRole('option').nth(0));
  const to = await centreOf(arranged.getByRole('option').nth(2));
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
  await expect.poll(() => shownOrder(arranged)).toEqual([p2, p3, p1, p4]);

  // And by keyboard: the last photo to the front (End focuses it, Alt+Home moves it).
  await arranged.focus();
  await arranged.press('End');
  await arranged.press('Alt+Home');
  await expect.poll(() => shownOrder(arranged)).toEqual([p4, p2, p3, p1]);
  await arranged.press('Alt+ArrowRight');
  await expect.poll(() => shownOrder(arranged)).toEqual([p2, p4, p3, p1]);
  await expect(page.getByText('Moved to position 2 of 4')).toBeAttached();
  await page.getByRole('button', { name: 'Done' }).click();

  // The order is the library's, not just the screen's: leave and come back.
  await page.getByRole('link', { name: 'Photos' }).click();
  await page.getByRole('link', { name: 'Albums' }).click();
  await page.getByRole('link', { name: /Summer trip/ }).click();
  await expect.poll(() => shownOrder(arranged)).toEqual([p2, p4, p3, p1]);

  // Cover from a selection of one, then from the viewer.
  await arranged.locator(`[id="${p3}"]`).click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Set as album cover' }).click();
  await arranged.locator(`[id="${p3}"]`).click();
  const viewer = page.getByRole('dialog');
  await expect(viewer.getByRole('button', { name: 'Album cover', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await viewer.getByRole('button', { name: 'Next photo' }).click();
  await viewer.getByRole('button', { name: 'Use as album cover' }).click();
  await expect(viewer.getByRole('button', { name: 'Album cover', exact: true })).toBeVisible();
  await viewer.getByRole('button', { name: 'Close' }).click();

  // Another device sees the name, the order and the chosen cover.
  const second = await openSecondDevice(browser, server.origin, email, PASSWORD);
  await second.page.getByRole('link', { name: 'Albums' }).click();
  await second.page.getByRole('link', { name: /Summer trip/ }).click();
  const secondAlbum = second.page.getByRole('listbox', { name: 'Summer trip' });
  await expect.poll(() => shownOrder(secondAlbum), LIVE).toEqual([p2, p4, p3, p1]);
  await secondAlbum.locator(`[id="${p1}"]`).click();
  await expect(
    second.page.getByRole('dialog').getByRole('button', { name: 'Album cover', exact: true }),
  ).toBeVisible(LIVE);
  await second.context.close();

  // Remove one photo: it leaves the album, not the library.
  await arranged.locator(`[id="${p4}"]`).click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Remove from album' }).click();
  await expect.poll(() => shownOrder(arranged)).toEqual([p2, p3, p1]);

  await page.getByRole('button', { name: 'Delete album' }).click();
  await page.getByRole('button', { name: 'Delete album' }).last().click();
  await expect(page.getByRole('heading', { name: 'No albums yet' })).toBeVisible();
  await page.getByRole('link', { name: 'Photos' }).click();
  await expect(photos.getByRole('option')).toHaveCount(4);
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});

test('tags on the real server: rename, untag a selection, delete (the photos stay)', async ({ page }) => {
  const problems = await watchPageProblems(page);
  const { photos } = await startWithPhotos(page, 'tags', async (p) =>
    Promise.all(
      ['a', 'b', 'c'].map(async (n, i) => ({ name: `${n}.jpg`, buffer: await makeJpeg(p, i * 100) })),
    ),
  );
  await selectAll(photos);
  await page.getByRole('button', { name: 'Tag' }).click();
  await page.getByRole('menuitem', { name: 'New tag…' }).click();
  await page.getByRole('dialog', { name: 'New tag' }).getByLabel('Name').fill('Beach');
  await page.getByRole('button', { name: 'Create' }).click();

  await page.getByRole('link', { name: 'Tags' }).click();
  await expect(page.getByRole('link', { name: /Beach/ })).toContainText('3');
  await page.getByRole('link', { name: /Beach/ }).click();
  await page.getByRole('button', { name: 'Rename tag' }).click();
  await page.getByRole('dialog', { name: 'Rename tag' }).getByLabel('Name').fill('Seaside');
  await page.getByRole('button', { name: 'Rename', exact: true }).click();
  const tagged = page.getByRole('listbox', { name: 'Seaside' });
  await expect(tagged.getByRole('option')).toHaveCount(3);

  // Untag two at once.
  await tagged
    .getByRole('option')
    .nth(0)
    .click({ modifiers: ['ControlOrMeta'] });
  await tagged
    .getByRole('option')
    .nth(1)
    .click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Remove tag' }).click();
  await expect(tagged.getByRole('option')).toHaveCount(1);

  await page.getByRole('button', { name: 'Delete tag' }).click();
  await page.getByRole('button', { name: 'Delete tag' }).last().click();
  await expect(page.getByRole('heading', { name: 'No tags yet' })).toBeVisible();
  await page.getByRole('link', { name: 'Photos' }).click();
  await expect(photos.getByRole('option')).toHaveCount(3);
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});

test('a selection downloads as a zip of the originals, byte for byte, into a picked file or as a download', async ({
  page,
}) => {
  const problems = await watchPageProblems(page);
  // Two photos of one name: the zip keeps both.
  const { uploads, photos } = await startWithPhotos(page, 'zip', async (p) => [
    { name: 'beach.jpg', buffer: await makeJpeg(p, 30) },
    { name: 'dune.jpg', buffer: await makeJpeg(p, 150) },
    { name: 'beach.jpg', buffer: await makeJpeg(p, 270) },
  ]);
  const expectOriginals = (zip: Buffer) => {
    const entries = readZipEntries(zip);
    expect([...entries.keys()].sort()).toEqual(['beach (2).jpg', 'beach.jpg', 'dune.jpg']);
    for (const [name, bytes] of entries) {
      const original = uploads.find((u) => u.buffer.equals(bytes));
      expect(original, `${name} is one of the originals`).toBeDefined();
      expect(name.replace(' (2)', '')).toBe(original!.name);
    }
    expect(new Set([...entries.values()].map((b) => b.toString('base64'))).size).toBe(3);
  };

  // Where the browser has a save picker, the worker streams the zip into the file picked: an OPFS file here,
  // standing in for the one a person would choose.
  await page.evaluate(() => {
    (window as unknown as Record<string, unknown>).showSaveFilePicker = async (options: {
      suggestedName: string;
    }) => {
      (window as unknown as Record<string, unknown>).pickedName = options.suggestedName;
      const folder = await navigator.storage.getDirectory();
      return folder.getFileHandle('picked.zip', { create: true });
    };
  });
  await selectAll(photos);
  await page.getByRole('button', { name: 'Download' }).click();
  // The file keeps its old (empty) content until the writer closes: a size means the zip is complete. Until the
  // worker has asked for the picker, there is no file yet.
  const readPicked = () =>
    page.evaluate(async () => {
      const folder = await navigator.storage.getDirectory();
      const handle = await folder.getFileHandle('picked.zip').catch((error: DOMException) => {
        if (error.name === 'NotFoundError') return null;
        throw error;
      });
      if (!handle) return '';
      const file = await handle.getFile();
      const bytes = new Uint8Array(await file.arrayBuffer());
      let binary = '';
      for (const byte of bytes) binary += String.fromCharCode(byte);
      return btoa(binary);
    });
  await expect.poll(async () => (await readPicked()).length, { timeout: 30_000 }).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as Record<string, unknown>).pickedName)).toBe(
    'Photos.zip',
  );
  expectOriginals(Buffer.from(await readPicked(), 'base64'));
  await expect(page.getByRole('status').filter({ hasText: 'as a zip' })).toHaveCount(0);

  // Without a picker (Firefox, Safari): one Blob, downloaded.
  await page.evaluate(() => {
    (window as unknown as Record<string, unknown>).showSaveFilePicker = undefined;
  });
  await selectAll(photos);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('Photos.zip');
  expectOriginals(await readFile((await download.path())!));
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});

test('an edit made offline shows as pending until it syncs; the auto-lock choice survives a reload', async ({
  page,
}) => {
  const problems = await watchPageProblems(page);
  const { photos } = await startWithPhotos(page, 'pending', async (p) =>
    Promise.all(['a', 'b'].map(async (n, i) => ({ name: `${n}.jpg`, buffer: await makeJpeg(p, i * 120) }))),
  );
  await expect(page.getByText('All changes saved')).toBeVisible(LIVE);
  const [first, second] = await shownOrder(photos);
  const cell = (id: string | undefined) => photos.locator(`[id="${id}"]`);
  await expect(cell(first)).not.toHaveAttribute('aria-label', /not synced yet/);

  await page.context().setOffline(true);
  await expect(page.getByText('You are offline.')).toBeVisible();
  await cell(first).click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Add to favourites' }).click();
  await expect(cell(first)).toHaveAttribute('aria-label', /favourite, not synced yet/);
  await expect(cell(second)).not.toHaveAttribute('aria-label', /not synced yet/);
  await expect(page.getByText('1 change waiting to sync')).toBeVisible();
  // A new tag on the other photo: a tag record and a link record, new to the library.
  await cell(second).click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Tag' }).click();
  await page.getByRole('menuitem', { name: 'New tag…' }).click();
  await page.getByRole('dialog', { name: 'New tag' }).getByLabel('Name').fill('Offline');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(cell(second)).toHaveAttribute('aria-label', /not synced yet/);
  await expect(page.getByText('3 changes waiting to sync')).toBeVisible();

  await page.context().setOffline(false);
  await expect(cell(first)).not.toHaveAttribute('aria-label', /not synced yet/, LIVE);
  await expect(cell(first)).toHaveAttribute('aria-label', /favourite/);
  await expect(cell(second)).not.toHaveAttribute('aria-label', /not synced yet/, LIVE);
  await expect(page.getByText('All changes saved')).toBeVisible(LIVE);

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Lock the vault').selectOption({ label: 'After 15 minutes' });
  await page.reload();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByLabel('Lock the vault')).toHaveValue('15');
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});
