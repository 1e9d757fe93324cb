import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import { expect, test, watchPageProblems } from './fixtures';
import { LIVE, makeJpeg, openSecondDevice, pickFiles, registerThroughUi } from './real-helpers';
import { type RealServer, startRealServer } from './real-server';

let server: RealServer;
test.beforeAll(async () => {
  server = await startRealServer();
});
test.afterAll(async () => {
  await server?.close();
});

/** Opens the photo in the viewer with its info panel; the panel refreshes when the library changes. */
const openInfo = async (page: Page, photoId: string) => {
  await page.locator(`#${photoId}`).click();
  const viewer = page.getByRole('dialog');
  await viewer.getByRole('button', { name: 'Info' }).click();
  return { viewer, caption: viewer.getByLabel('Caption'), info: viewer.getByRole('complementary') };
};

const editCaption = async (page: Page, photoId: string, caption: string) => {
  const { viewer, caption: field } = await openInfo(page, photoId);
  await field.fill(caption);
  await field.press('Enter');
  return viewer;
};

// docs/sync-engine.md, "Record documents and the merge": per field, the edit with the greater HLC stamp wins;
// edits of different fields are both kept. B edits the caption after A, but comes online first, so the server
// sees B's caption before A's: the result must follow the clocks, not the order the server heard the edits in.
test('the same photo edited on two offline devices: different fields both kept, the same field goes to the later edit', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const problems = await watchPageProblems(page);
  const email = `conflict-${randomUUID()}@example.org`;
  const password = 'copper violet anchor drift';
  await page.goto(server.origin);
  await registerThroughUi(page, email, password);
  await pickFiles(page, [{ name: 'pier.jpg', buffer: await makeJpeg(page, 75) }]);
  const photosA = page.getByRole('listbox', { name: 'Photos' });
  await expect(photosA.getByRole('option')).toHaveCount(1, { timeout: 60_000 });
  const cellId = (await photosA.getByRole('option').getAttribute('id'))!;

  const deviceB = await openSecondDevice(browser, server.origin, email, password);
  const b = deviceB.page;
  await expect(b.locator(`#${cellId}`)).toBeVisible(LIVE);

  await page.context().setOffline(true);
  await deviceB.context.setOffline(true);
  await expect(page.getByText('You are offline.')).toBeVisible();
  await expect(b.getByText('You are offline.')).toBeVisible();

  // A: caption (the field both edit) and favourite (only A).
  const viewerA = await editCaption(page, cellId, 'Written on A, earlier');
  await viewerA.getByRole('button', { name: 'Add to favourites' }).click();
  await expect(viewerA.getByRole('button', { name: 'Remove from favourites' })).toBeVisible();
  // B, strictly later by the wall clock both HLCs start from: caption again, and the date taken (only B).
  await b.waitForTimeout(50);
  const viewerB = await editCaption(b, cellId, 'Written on B, later');
  await viewerB.getByRole('button', { name: 'Edit date' }).click();
  await viewerB.getByLabel('Date and time taken').fill('2020-05-17T09:30');
  await viewerB.getByRole('button', { name: 'Save date' }).click();
  await expect(viewerB.getByRole('complementary')).toContainText('May 17, 2020');

  await deviceB.context.setOffline(false);
  await expect(b.getByText('You are offline.')).toHaveCount(0);
  await page.context().setOffline(false);

  for (const device of [page, b]) {
    const viewer = device.getByRole('dialog');
    await expect(viewer.getByLabel('Caption')).toHaveValue('Written on B, later', LIVE);
    await expect(viewer.getByRole('button', { name: 'Remove from favourites' })).toBeVisible(LIVE);
    await expect(viewer.getByRole('complementary')).toContainText('May 17, 2020', LIVE);
  }
  // And the same after a fresh look at the library, not only in the open viewer.
  for (const device of [page, b]) {
    await device.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await device.getByRole('link', { name: 'Favourites' }).click();
    await expect(device.getByRole('listbox', { name: 'Favourites' }).getByRole('option')).toHaveCount(1);
    const { caption, info } = await openInfo(device, cellId);
    await expect(caption).toHaveValue('Written on B, later');
    await expect(info).toContainText('May 17, 2020');
  }
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
  await deviceB.context.close();
});
