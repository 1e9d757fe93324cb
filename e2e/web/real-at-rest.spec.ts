// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { scanDatabase, scanDirectory, scanPageStorage } from './at-rest-scan';
import { expect, test, watchPageProblems } from './fixtures';
import { LIVE, makeJpeg, pickFiles, registerThroughUi } from './real-helpers';
import { startRealServer } from './real-server';

/** A JPEG with an EXIF block (IFD0 Make and Model, ASCII) put right after its start-of-image marker. */
const withExifCamera = (jpeg: Buffer, make: string, model: string): Buffer => {
  const strings = Buffer.from(`${make}\0${model}\0`, 'latin1');
  const entries = 2;
  const dataOffset = 8 + 2 + entries * 12 + 4; // TIFF header, entry count, entries, next-IFD offset
  const tiff = Buffer.alloc(dataOffset + strings.length);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(entries, 8);
  const entry = (index: number, tag: number, text: string, offset: number) => {
    const at = 10 + index * 12;
    tiff.writeUInt16LE(tag, at);
    tiff.writeUInt16LE(2, at + 2); // ASCII
    tiff.writeUInt32LE(text.length + 1, at + 4);
    tiff.writeUInt32LE(offset, at + 8);
  };
  entry(0, 0x010f, make, dataOffset);
  entry(1, 0x0110, model, dataOffset + make.length + 1);
  strings.copy(tiff, dataOffset);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
};

// Without this the spec could pass by scanning nothing: each scanner must find a marker that is there.
test('the at-rest scanners find a planted marker (UTF-8 and UTF-16LE), in page storage and on disk', async ({
  page,
  productionApp,
}) => {
  const marker = `plant${randomBytes(6).toString('hex')}`;
  await page.goto(productionApp.origin);
  expect(await scanPageStorage(page, marker)).toEqual([]);
  await page.evaluate(async (m) => {
    const utf16 = new Uint8Array(m.length * 2);
    for (let i = 0; i < m.length; i++) utf16[i * 2] = m.charCodeAt(i);
    const open = indexedDB.open('planted');
    open.onupgradeneeded = () => {
      open.result.createObjectStore('strings');
      open.result.createObjectStore('bytes');
      open.result.createObjectStore('blobs');
    };
    const db = await new Promise<IDBDatabase>((resolve) => {
      open.onsuccess = () => resolve(open.result);
    });
    const tx = db.transaction(['strings', 'bytes', 'blobs'], 'readwrite');
    tx.objectStore('strings').put({ nested: [{ caption: `a ${m} b` }] }, 1);
    tx.objectStore('bytes').put({ data: utf16.buffer }, 1);
    tx.objectStore('blobs').put(new Blob([new TextEncoder().encode(`..${m}..`)]), 1);
    await new Promise((resolve) => {
      tx.oncomplete = resolve;
    });
    db.close();
    await (await caches.open('planted')).put('/planted', new Response(utf16));
  }, marker);
  expect((await scanPageStorage(page, marker)).sort()).toEqual([
    `Cache Storage planted/${new URL('/planted', productionApp.origin).href}`,
    'IndexedDB planted/blobs',
    'IndexedDB planted/bytes',
    'IndexedDB planted/strings',
  ]);

  const dir = await mkdtemp(join(tmpdir(), 'halyon-at-rest-plant-'));
  await writeFile(join(dir, 'clean.bin'), randomBytes(4096));
  await writeFile(join(dir, 'utf8.bin'), Buffer.concat([randomBytes(100), Buffer.from(marker)]));
  await writeFile(join(dir, 'utf16.bin'), Buffer.from(`x${marker}y`, 'utf16le'));
  expect((await scanDirectory(dir, marker)).sort()).toEqual([join(dir, 'utf16.bin'), join(dir, 'utf8.bin')]);
  await rm(dir, { recursive: true });
});

test('nothing decrypted at rest: a marker in file name, caption, tag, album and EXIF is in no browser storage, profile file, database row or blob', async () => {
  test.setTimeout(300_000);
  const marker = `halmark${randomBytes(6).toString('hex')}`;
  const email = `at-rest-${randomUUID()}@example.org`;
  const server = await startRealServer();
  const profileDir = await mkdtemp(join(tmpdir(), 'halyon-at-rest-profile-'));
  try {
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
      headless: true,
      viewport: { width: 1280, height: 800 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = await watchPageProblems(page);
    await page.goto(server.origin);
    await registerThroughUi(page, email, 'copper violet anchor drift');
    // The shell is cached by now, so the Cache Storage scan below has something to look at.
    await page.evaluate(() => navigator.serviceWorker.ready);

    const jpeg = withExifCamera(await makeJpeg(page, 210), `make ${marker}`, `model ${marker}`);
    await pickFiles(page, [{ name: `${marker} harbour.jpg`, buffer: jpeg }]);
    const photos = page.getByRole('listbox', { name: 'Photos' });
    await expect(photos.getByRole('option')).toHaveCount(1, { timeout: 60_000 });
    await expect(page.getByRole('region', { name: 'Uploads' })).toContainText('1 uploaded', LIVE);

    // The app read every marked field (so the scans below look for data that really exists somewhere).
    await photos.getByRole('option').click();
    const viewer = page.getByRole('dialog');
    await viewer.getByRole('button', { name: 'Info' }).click();
    const info = viewer.getByRole('complementary');
    await expect(info).toContainText(`make ${marker} model ${marker}`);
    await expect(info).toContainText(`${marker} harbour.jpg`);
    await viewer.getByLabel('Caption').fill(`caption ${marker}`);
    await viewer.getByLabel('Caption').press('Enter');
    await viewer.getByRole('button', { name: 'Close' }).click();

    await photos.getByRole('option').click({ modifiers: ['ControlOrMeta'] });
    await page.getByRole('button', { name: 'Tag' }).click();
    await page.getByRole('menuitem', { name: 'New tag…' }).click();
    await page.getByRole('dialog', { name: 'New tag' }).getByLabel('Name').fill(`tag ${marker}`);
    await page.getByRole('button', { name: 'Create' }).click();
    await photos.getByRole('option').click({ modifiers: ['ControlOrMeta'] });
    await page.getByRole('button', { name: 'Add to album' }).click();
    await page.getByRole('menuitem', { name: 'New album…' }).click();
    await page.getByRole('dialog', { name: 'New album' }).getByLabel('Name').fill(`album ${marker}`);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('link', { name: 'Albums' }).click();
    await expect(page.getByRole('link', { name: `album ${marker}` })).toContainText('1 item');
    await page.getByRole('link', { name: 'Tags' }).click();
    await expect(page.getByRole('link', { name: new RegExp(`tag ${marker}`) })).toContainText('1');
    // Everything reached the server (the database scan must see the records, sealed).
    await expect(page.getByRole('status').filter({ hasText: 'All changes saved' })).toBeVisible(LIVE);

    // Still unlocked, library and thumbnails loaded: the worst moment for the storage to hold plaintext.
    expect(await scanPageStorage(page, marker)).toEqual([]);
    expect(await scanPageStorage(page, email)).not.toEqual([]); // the remembered e-mail: the scan sees data
    expect(problems.pageErrors).toEqual([]);
    await context.close(); // flushes IndexedDB, caches and the rest of the profile to disk

    expect(await scanDirectory(profileDir, marker)).toEqual([]);
    expect(await scanDirectory(profileDir, email)).not.toEqual([]);

    await server.stop();
    expect(await scanDatabase(server.dataDir, marker)).toEqual([]);
    expect(await scanDatabase(server.dataDir, email)).toContain('users: email');
    // The blob store, and every other file the server wrote (PGlite's own files among them).
    expect(await scanDirectory(join(server.dataDir, 'blobs'), marker)).toEqual([]);
    expect(await scanDirectory(server.dataDir, marker)).toEqual([]);
  } finally {
    await server.close();
    await rm(profileDir, { recursive: true, force: true });
  }
});
