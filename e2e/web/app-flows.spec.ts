// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

import { fileURLToPath } from 'node:url';
import { expect, test, trackObjectUrls, trackPaintedImages, watchPageProblems } from './fixtures';
import { serveStatic } from './serve-static';

const distDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

test('a new deployment shows the update prompt, and Reload switches to it', async ({ page }) => {
  let deployment = 1;
  const server = await serveStatic(distDir, {
    transform: (path, body) =>
      path.endsWith('sw.js') ? Buffer.concat([body, Buffer.from(`\n// deployment ${deployment}\n`)]) : body,
  });
  try {
    await page.goto(server.origin);
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    await expect(page.getByText('A new version of Halyon is ready.')).toHaveCount(0);

    deployment = 2;
    await page.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())!.update();
    });
    await expect(page.getByText('A new version of Halyon is ready.')).toBeVisible();

    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Reload' }).click()]);
    await expect
      .poll(() =>
        page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null),
      )
      .toBeNull();
    await expect(page.getByText('A new version of Halyon is ready.')).toHaveCount(0);
  } finally {
    await server.close();
  }
});

test('registering shows the recovery key once and checks it before opening the library', async ({
  page,
  galleryApp,
}) => {
  const problems = await watchPageProblems(page);
  await page.goto(`${galleryApp.origin}/?state=signedOut`);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('E-mail').fill('ada@example.org');
  await page.getByLabel('Password', { exact: true }).fill('password123');
  await expect(page.getByText('Strength: Too weak')).toBeVisible();
  await page.getByLabel('Repeat password').fill('password123');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Choose a stronger password.')).toBeVisible();

  await page.getByLabel('Password', { exact: true }).fill('copper violet anchor drift');
  await page.getByLabel('Repeat password').fill('copper violet anchor drift');
  await page.getByRole('button', { name: 'Create account' }).click();
  const recoveryWords = page.getByRole('list', { name: 'Recovery key' }).getByRole('listitem');
  await expect(recoveryWords).toHaveCount(24);
  const words = await recoveryWords.allTextContents();

  await expect(page.getByRole('button', { name: 'Continue' })).toBeDisabled();
  await page.getByLabel('I have written down my recovery key').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  const fields = page.getByLabel(/^Word \d+$/);
  await expect(fields).toHaveCount(3);
  for (const field of await fields.all()) await field.fill('wrong');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('alert')).toContainText('Those words do not match');

  for (const field of await fields.all()) {
    const label =
      (await field.evaluate((input) => (input as HTMLInputElement).labels?.[0]?.textContent)) ?? '';
    await field.fill(words[Number(label.replace('Word ', '')) - 1]!);
  }
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('listbox', { name: 'Photos' })).toBeVisible();
  expect(problems.cspViolations).toEqual([]);
});

test('a wrong password is reported and nothing opens', async ({ page, galleryApp }) => {
  await page.goto(`${galleryApp.origin}/?state=locked`);
  await page.getByLabel('Password').fill('not it');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('alert')).toContainText('do not match');
  await expect(page.getByRole('listbox')).toHaveCount(0);
});

test('dropping files anywhere queues them, and the batch panel pauses, retries and clears', async ({
  page,
  galleryApp,
}) => {
  await page.goto(`${galleryApp.origin}/?uploads=1`);
  await expect(page.getByRole('listbox', { name: 'Photos' })).toBeVisible();
  const drop = (type: 'dragenter' | 'drop') =>
    page.evaluate((eventType) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['a'.repeat(2048)], 'dropped-1.jpg', { type: 'image/jpeg' }));
      transfer.items.add(new File(['b'], 'dropped-2.jpg', { type: 'image/jpeg' }));
      window.dispatchEvent(
        new DragEvent(eventType, { dataTransfer: transfer, bubbles: true, cancelable: true }),
      );
    }, type);
  await drop('dragenter');
  await expect(page.getByText('Drop photos or folders to upload')).toBeVisible();
  await drop('drop');
  await expect(page.getByText('Drop photos or folders to upload')).toHaveCount(0);
  const panel = page.getByRole('region', { name: 'Uploads' });
  await expect(panel.getByText('dropped-1.jpg')).toBeVisible();
  await expect(panel.getByText('dropped-2.jpg')).toBeVisible();

  await panel.getByRole('button', { name: 'Pause IMG_3002.jpg' }).click();
  await expect(panel.getByRole('button', { name: 'Resume IMG_3002.jpg' })).toBeVisible();
  await panel.getByRole('button', { name: 'Retry notes.pdf' }).click();
  await expect(panel.getByRole('button', { name: 'Retry notes.pdf' })).toHaveCount(0);
  await panel.getByRole('button', { name: 'Clear finished' }).click();
  await expect(panel.getByText('IMG_3001.jpg')).toHaveCount(0);
});

test('going offline shows the offline banner and the sync status says so', async ({
  page,
  context,
  galleryApp,
}) => {
  await page.goto(galleryApp.origin);
  await expect(page.getByRole('listbox', { name: 'Photos' })).toBeVisible();
  await context.setOffline(true);
  await expect(page.getByText('You are offline.')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Library' })).toContainText(
    'Offline · 3 changes waiting to sync',
  );
  await context.setOffline(false);
  await expect(page.getByText('You are offline.')).toHaveCount(0);
});

test('locking takes every decrypted image off the page, revokes its object URL and empties its canvas', async ({
  page,
  galleryApp,
}) => {
  const liveObjectUrls = await trackObjectUrls(page);
  const livePaintedImages = await trackPaintedImages(page);
  await page.goto(galleryApp.origin);
  await expect(page.locator('#photo-cell-p000000 canvas')).toBeVisible();
  await page.locator('#photo-cell-p000000').click();
  await expect(page.locator('.viewer__image')).toBeVisible();
  expect(await liveObjectUrls()).toBeGreaterThan(0);
  expect(await livePaintedImages()).toBeGreaterThan(1);

  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByRole('heading', { name: 'Vault locked' })).toBeVisible();
  await expect(page.locator('img[src^="blob:"]')).toHaveCount(0);
  await expect(page.locator('canvas')).toHaveCount(0);
  expect(await liveObjectUrls()).toBe(0);
  expect(await livePaintedImages()).toBe(0);
});

test('a selection goes into an existing album and under a new tag', async ({ page, galleryApp }) => {
  const problems = await watchPageProblems(page);
  await page.goto(galleryApp.origin);
  const cell = (n: number) => page.locator(`#photo-cell-p${String(n).padStart(6, '0')}`);

  await cell(1).click({ modifiers: ['ControlOrMeta'] });
  await cell(2).click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Add to album' }).click();
  await page.getByRole('menuitem', { name: 'Garden' }).click();
  await expect(page.getByRole('option', { selected: true })).toHaveCount(0);

  await cell(3).click({ modifiers: ['ControlOrMeta'] });
  await cell(5).click({ modifiers: ['Shift'] });
  await page.getByRole('button', { name: 'Tag' }).click();
  await page.getByRole('menuitem', { name: 'New tag…' }).click();
  await page.getByRole('dialog', { name: 'New tag' }).getByLabel('Name').fill('Beach');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);

  await page.getByRole('link', { name: 'Albums' }).click();
  await expect(page.getByRole('link', { name: /Garden/ })).toContainText('2 items');
  await page.getByRole('link', { name: 'Tags' }).click();
  await expect(page.getByRole('link', { name: /Beach/ })).toContainText('3');
  await page.getByRole('link', { name: /Beach/ }).click();
  await expect(page.getByRole('option')).toHaveCount(3);
  expect(problems.cspViolations).toEqual([]);
});

test('the viewer edits a caption and a favourite, and shows the change at once', async ({
  page,
  galleryApp,
}) => {
  await page.goto(galleryApp.origin);
  await page.locator('#photo-cell-p000000').click();
  await page.getByRole('button', { name: 'Info' }).click();
  const caption = page.getByLabel('Caption');
  await expect(caption).toHaveValue('Sunset over the harbour');
  await caption.fill('Evening swim <b>not bold</b>');
  await caption.press('Enter');

  await page.getByRole('button', { name: 'Add to favourites' }).click();
  await expect(page.getByRole('button', { name: 'Remove from favourites' })).toBeVisible();
  await page.getByRole('button', { name: 'Next photo' }).click();
  await page.getByRole('button', { name: 'Previous photo' }).click();
  await expect(caption).toHaveValue('Evening swim <b>not bold</b>');
  await page.getByRole('button', { name: 'Close' }).click();
  await expect(page.locator('#photo-cell-p000000')).toHaveAttribute('aria-label', /favourite/);
});

test('a forgotten password is replaced with the recovery key', async ({ page, galleryApp }) => {
  const words =
    'harbor lantern quiet meadow copper violet anchor drift maple orbit pebble signal ' +
    'tundra velvet willow amber canyon ember falcon glacier horizon island jasmine kestrel';
  await page.goto(`${galleryApp.origin}/?state=signedOut`);
  await page.getByRole('button', { name: 'Forgot your password?' }).click();
  await page.getByLabel('E-mail').fill('ada@example.org');
  const key = page.getByLabel(/^Recovery key/);
  await key.fill(words.split(' ').slice(1).join(' '));
  await page.getByLabel('New password').fill('copper violet anchor drift');
  await page.getByRole('button', { name: 'Recover' }).click();
  await expect(page.getByRole('alert')).toContainText('A recovery key has 24 words; this has 23.');

  await key.fill(words.replace('harbor', 'harbour'));
  await page.getByRole('button', { name: 'Recover' }).click();
  await expect(page.getByRole('alert')).toContainText(
    'That recovery key does not open a vault for this e-mail address.',
  );

  await key.fill(words.toUpperCase().replaceAll(' ', '\n'));
  await page.getByRole('button', { name: 'Recover' }).click();
  await expect(page.getByRole('listbox', { name: 'Photos' })).toBeVisible();
});

test('settings change the password only with the current one and a strong new one', async ({
  page,
  galleryApp,
}) => {
  await page.goto(`${galleryApp.origin}/settings`);
  const current = page.getByLabel('Current password');
  const next = page.getByLabel('New password');
  const change = page.getByRole('button', { name: 'Change password' });
  await current.fill('not it');
  await next.fill('violet anchor drift maple');
  await change.click();
  await expect(page.getByRole('alert')).toContainText('The current password is not right.');

  await current.fill('correct horse battery staple');
  await next.fill('password1');
  await change.click();
  await expect(page.getByRole('alert')).toContainText('Choose a stronger password.');

  await next.fill('violet anchor drift maple');
  await change.click();
  await expect(page.getByRole('status').filter({ hasText: 'Password changed.' })).toBeVisible();
  await expect(current).toHaveValue('');
});

test('settings keep new photos in my own bucket once it passed the check, and stop using it after asking', async ({
  page,
  galleryApp,
}) => {
  await page.goto(`${galleryApp.origin}/settings`);
  const section = page.getByRole('region', { name: 'Storage location' });
  await expect(section).toContainText('New photos go to this server’s storage.');
  const form = section.getByRole('form', { name: 'Your own bucket' });
  await form.getByLabel('Endpoint URL').fill('https://s3.example.org');
  await form.getByLabel('Region').fill('eu-west-1');
  await form.getByLabel('Bucket name').fill('ada-photos');
  await form.getByLabel('Key prefix (optional)').fill('halyon');
  await form.getByLabel('Access key ID').fill('AKIDEXAMPLE');
  // The demo's check fails for the secret "wrong", as the server's would for a wrong key.
  await form.getByLabel('Secret access key').fill('wrong');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(section.getByRole('status')).toHaveText('Checking the bucket…');
  await expect(section.getByRole('alert')).toContainText('The server could not use this bucket:');
  await expect(form.getByLabel('Secret access key')).toHaveValue('wrong');
  await section.screenshot({ path: 'test-results/web/screenshots/settings-own-bucket-refused.png' });

  await form.getByLabel('Secret access key').fill('demo-secret');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(section).toContainText(
    'New photos go to your bucket ada-photos (under halyon/) at https://s3.example.org, checked',
  );
  await section.screenshot({ path: 'test-results/web/screenshots/settings-own-bucket.png' });
  await section.getByRole('button', { name: 'Stop using it' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Stop using it' }).click();
  await expect(section).toContainText('New photos go to this server’s storage.');
  await expect(section.getByLabel('Secret access key')).toHaveValue('');
});

test('the viewer changes when a photo was taken, and the timeline moves it', async ({ page, galleryApp }) => {
  await page.goto(galleryApp.origin);
  await page.locator('#photo-cell-p000000').click();
  await page.getByRole('button', { name: 'Info' }).click();
  await page.getByRole('button', { name: 'Edit date' }).click();
  await page.getByLabel('Date and time taken').fill('2020-05-17T09:30');
  await page.getByRole('button', { name: 'Save date' }).click();
  await expect(page.getByRole('complementary', { name: 'Info' })).toContainText('May 17, 2020');
  await page.getByRole('button', { name: 'Close' }).click();
  await expect(page.locator('#photo-cell-p000000')).toHaveCount(0);
  await expect(page.locator('#photo-cell-p000001')).toBeVisible();
});

test('trash: a trashed photo can be restored, and emptying asks first', async ({ page, galleryApp }) => {
  await page.goto(galleryApp.origin);
  await page.locator('#photo-cell-p000004').click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Move to trash' }).click();
  await expect(page.locator('#photo-cell-p000004')).toHaveCount(0);

  await page.getByRole('link', { name: 'Trash' }).click();
  await expect(page.locator('#photo-cell-p000004')).toBeVisible();
  await page.locator('#photo-cell-p000004').click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Restore' }).click();
  await expect(page.locator('#photo-cell-p000004')).toHaveCount(0);
  const trashed = await page.getByRole('option').count();
  expect(trashed).toBeGreaterThan(0);

  await page.getByRole('button', { name: 'Empty trash' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('option')).toHaveCount(trashed);
  await page.getByRole('button', { name: 'Empty trash' }).click();
  await expect(page.getByRole('alertdialog')).toContainText(`${trashed} items will be deleted`);
  await page.getByRole('button', { name: 'Delete forever' }).click();
  await expect(page.getByRole('heading', { name: 'Trash is empty' })).toBeVisible();

  await page.getByRole('link', { name: 'Photos', exact: true }).click();
  await expect(page.locator('#photo-cell-p000004')).toBeVisible();
});
