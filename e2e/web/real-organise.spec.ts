import { randomUUID } from 'node:crypto';
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

test('on the real server: tag a photo, trash both, restore one, empty the trash', async ({ page }) => {
  const problems = await watchPageProblems(page);
  await page.goto(server.origin);
  await registerThroughUi(page, `organise-${randomUUID()}@example.org`, 'copper violet anchor drift');
  await page.locator('input[type="file"][accept]').setInputFiles([
    { name: 'a.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(page, 40) },
    { name: 'b.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(page, 160) },
  ]);
  const photos = page.getByRole('listbox', { name: 'Photos' });
  await expect(photos.getByRole('option')).toHaveCount(2, { timeout: 60_000 });

  await photos
    .getByRole('option')
    .first()
    .click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Tag' }).click();
  await page.getByRole('menuitem', { name: 'New tag…' }).click();
  await page.getByRole('dialog', { name: 'New tag' }).getByLabel('Name').fill('Beach');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await page.getByRole('link', { name: 'Tags' }).click();
  await expect(page.getByRole('link', { name: /Beach/ })).toContainText('1');

  await page.getByRole('link', { name: 'Photos' }).click();
  await photos
    .getByRole('option')
    .first()
    .click({ modifiers: ['ControlOrMeta'] });
  await photos
    .getByRole('option')
    .last()
    .click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Move to trash' }).click();
  await expect(page.getByRole('heading', { name: 'Your vault is empty' })).toBeVisible();

  await page.getByRole('link', { name: 'Trash' }).click();
  const trash = page.getByRole('listbox', { name: 'Trash' });
  await expect(trash.getByRole('option')).toHaveCount(2);
  await trash
    .getByRole('option')
    .first()
    .click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Restore' }).click();
  await expect(trash.getByRole('option')).toHaveCount(1);
  await page.getByRole('button', { name: 'Empty trash' }).click();
  await page.getByRole('button', { name: 'Delete forever' }).click();
  await expect(page.getByRole('heading', { name: 'Trash is empty' })).toBeVisible();

  await page.getByRole('link', { name: 'Photos' }).click();
  await expect(photos.getByRole('option')).toHaveCount(1);
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});
