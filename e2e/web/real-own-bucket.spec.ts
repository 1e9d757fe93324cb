// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

/**
 * @module The user's own bucket, set in Settings against the real server, with an s3rver on loopback as the
 * bucket: the server test-writes with the credentials the form sent, the page keeps no secret.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { type RunningS3rver, startS3rver } from '../../server/src/features/blobs/stores/s3rver-harness';
import { scanPageStorage } from './at-rest-scan';
import { expect, test, watchPageProblems } from './fixtures';
import { makeJpeg, pickFiles, registerThroughUi } from './real-helpers';
import { type RealServer, startRealServer } from './real-server';

const PASSWORD = 'copper violet anchor drift';
let server: RealServer;
let s3: RunningS3rver;
test.beforeAll(async () => {
  s3 = await startS3rver('own-photos');
  server = await startRealServer({
    env: {
      BLOB_STORAGE_KEY: randomBytes(32).toString('base64'),
      // s3rver listens on 127.0.0.1, which the server refuses as a bucket endpoint by default.
      BLOB_ALLOW_PRIVATE_BUCKET_ENDPOINTS: 'true',
    },
  });
});
test.afterAll(async () => {
  await server?.close();
  await s3?.stop();
});

/** Files s3rver holds in the bucket (objects and their metadata), recursively. */
const filesInBucket = async (): Promise<string[]> => {
  const bucketDir = join(s3.directory, s3.bucket);
  const entries = await readdir(bucketDir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
};

const openStorageLocation = async (page: Page) => {
  await page.getByRole('navigation').getByRole('link', { name: 'Settings' }).click();
  return page.getByRole('region', { name: 'Storage location' });
};

const fillBucketForm = async (
  page: Page,
  { accessKeyId, secret }: { readonly accessKeyId: string; readonly secret: string },
) => {
  const form = page.getByRole('form', { name: 'Your own bucket' });
  await form.getByLabel('Endpoint URL').fill(s3.endpoint);
  await form.getByLabel('Region').fill(s3.region);
  await form.getByLabel('Bucket name').fill(s3.bucket);
  await form.getByLabel('Key prefix (optional)').fill('vault');
  await form.getByLabel(/Path-style addresses/).check();
  await form.getByLabel('Access key ID').fill(accessKeyId);
  await form.getByLabel('Secret access key').fill(secret);
  return form;
};

/** Settings read anew from the server: the page and worker start over, the vault is unlocked again. */
const unlockAfterReload = async (page: Page) => {
  await page.reload();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
};

test('Settings registers my own bucket once the server could write to it, shows why it could not, keeps no secret, and stops using it', async ({
  page,
}) => {
  const problems = await watchPageProblems(page);
  await page.goto(server.origin);
  await registerThroughUi(page, `bucket-${randomUUID()}@example.org`, PASSWORD);
  const section = await openStorageLocation(page);
  await expect(section).toContainText('New photos go to this server’s storage.');

  // Wrong credentials: s3rver refuses them, the server says why, and nothing is registered. (s3rver does not
  // check SigV4 signatures, so a wrong secret alone would pass: the access key id is wrong too.)
  const wrongSecret = `wrong-${randomUUID()}`;
  let form = await fillBucketForm(page, { accessKeyId: 'NOT-A-KEY', secret: wrongSecret });
  // The check is quick on loopback: hold the answer until the page has shown that it waits for it.
  let releaseCheck = () => {};
  const checkHeld = new Promise<void>((resolve) => {
    releaseCheck = resolve;
  });
  await page.context().route('**/v1/storage/bucket', async (route) => {
    if (route.request().method() === 'PUT') await checkHeld;
    await route.continue();
  });
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(section.getByRole('status')).toHaveText('Checking the bucket…');
  await expect(form.getByRole('button', { name: 'Save' })).toBeDisabled();
  releaseCheck();
  const refusal = section.getByRole('alert');
  await expect(refusal).toContainText('The server could not use this bucket: the test write failed:', {
    timeout: 30_000,
  });
  await expect(refusal).toContainText('Access Key Id you provided does not exist');
  await expect(section).toContainText('New photos go to this server’s storage.');
  await unlockAfterReload(page);
  await expect(section).toContainText('New photos go to this server’s storage.', { timeout: 60_000 });

  // The right credentials: the section shows the bucket, and the form with the secret is gone.
  const rightCredentials = {
    accessKeyId: s3.credentials.accessKeyId,
    secret: s3.credentials.secretAccessKey,
  };
  form = await fillBucketForm(page, rightCredentials);
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(section).toContainText(
    `New photos go to your bucket ${s3.bucket} (under vault/) at ${s3.endpoint}, checked`,
    { timeout: 30_000 },
  );
  await expect(section.getByRole('alert')).toHaveCount(0);
  await expect(section.locator('input')).toHaveCount(0);
  // The check cleaned up after itself.
  expect(await filesInBucket()).toEqual([]);

  // Stopping asks first; after it the form is back, without the secret it sent.
  await section.getByRole('button', { name: 'Stop using it' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Stop using your bucket?' });
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(section).toContainText(`New photos go to your bucket ${s3.bucket}`);
  await section.getByRole('button', { name: 'Stop using it' }).click();
  await confirm.getByRole('button', { name: 'Stop using it' }).click();
  await expect(section).toContainText('New photos go to this server’s storage.');
  await expect(section.getByLabel('Secret access key')).toHaveValue('');
  await expect(section.getByLabel('Access key ID')).toHaveValue(s3.credentials.accessKeyId);

  // What the section shows is what the server holds: saved again, it survives a reload; stopped, so does that.
  await fillBucketForm(page, rightCredentials);
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(section).toContainText(`New photos go to your bucket ${s3.bucket}`, { timeout: 30_000 });
  await unlockAfterReload(page);
  await expect(section).toContainText(`New photos go to your bucket ${s3.bucket}`, { timeout: 60_000 });
  await section.getByRole('button', { name: 'Stop using it' }).click();
  await confirm.getByRole('button', { name: 'Stop using it' }).click();
  await expect(section).toContainText('New photos go to this server’s storage.');
  await unlockAfterReload(page);
  await expect(section).toContainText('New photos go to this server’s storage.', { timeout: 60_000 });

  for (const secret of [wrongSecret, s3.credentials.secretAccessKey])
    expect(await scanPageStorage(page, secret)).toEqual([]);
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});

// The web app's CSP cannot name a user's bucket, so its blobs go through the server. See: [Note: Targets a browser
// can reach] (server/src/features/blobs/blobs.service.ts)
test('photos uploaded after registering my own bucket land in it and download byte for byte', async ({
  page,
}) => {
  const problems = await watchPageProblems(page);
  await page.goto(server.origin);
  await registerThroughUi(page, `bucket-upload-${randomUUID()}@example.org`, PASSWORD);
  const section = await openStorageLocation(page);
  const form = await fillBucketForm(page, {
    accessKeyId: s3.credentials.accessKeyId,
    secret: s3.credentials.secretAccessKey,
  });
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(section).toContainText(`New photos go to your bucket ${s3.bucket}`, { timeout: 30_000 });
  const filesBefore = (await filesInBucket()).length;

  await page.getByRole('navigation').getByRole('link', { name: 'Photos' }).click();
  const original = await makeJpeg(page, 120);
  await pickFiles(page, [{ name: 'own-bucket.jpg', buffer: original }]);
  const uploads = page.getByRole('region', { name: 'Uploads' });
  await expect(uploads).toContainText('1 uploaded', { timeout: 60_000 });
  const photos = page.getByRole('listbox', { name: 'Photos' });
  await expect(photos.locator('canvas')).toHaveCount(1, { timeout: 30_000 });

  await photos.getByRole('option').first().click();
  const viewer = page.getByRole('dialog');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    viewer.getByRole('button', { name: 'Download original' }).click(),
  ]);
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).equals(original)).toBe(true);

  // The original and its thumbnails (encrypted) are in the user's bucket.
  expect((await filesInBucket()).length).toBeGreaterThan(filesBefore);
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});
