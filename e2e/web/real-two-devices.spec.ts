import { randomUUID } from 'node:crypto';
import { expect, test, watchPageProblems } from './fixtures';
import {
  LIVE,
  makeJpeg,
  openSecondDevice,
  pickFiles,
  registerThroughUi,
  setCaptionInViewer,
} from './real-helpers';
import { type RealServer, startRealServer } from './real-server';

let server: RealServer;
test.beforeAll(async () => {
  server = await startRealServer();
});
test.afterAll(async () => {
  await server?.close();
});

// Device B never reloads: every change reaches it through the server's event stream (a poke, then a pull).
// It waits on the screen that shows the change before device A makes it, so navigation cannot stand in for sync.
test('a second device on the same account sees uploads, tags, albums, favourites, captions and trash live', async ({
  page,
  browser,
}) => {
  const problems = await watchPageProblems(page);
  const email = `two-devices-${randomUUID()}@example.org`;
  const password = 'copper violet anchor drift';
  await page.goto(server.origin);
  await registerThroughUi(page, email, password);
  const deviceB = await openSecondDevice(browser, server.origin, email, password);
  const b = deviceB.page;
  const problemsB = await watchPageProblems(b);
  await expect(b.getByRole('heading', { name: 'Your vault is empty' })).toBeVisible();

  const photosA = page.getByRole('listbox', { name: 'Photos' });
  const photosB = b.getByRole('listbox', { name: 'Photos' });
  await pickFiles(page, [
    { name: 'lighthouse.jpg', buffer: await makeJpeg(page, 30) },
    { name: 'orchard.jpg', buffer: await makeJpeg(page, 120) },
  ]);
  await expect(photosA.getByRole('option')).toHaveCount(2, { timeout: 60_000 });
  await expect(photosB.getByRole('option')).toHaveCount(2, LIVE);
  await expect(photosB.locator('canvas')).toHaveCount(2, LIVE);

  await b.getByRole('link', { name: 'Tags' }).click();
  await photosA
    .getByRole('option')
    .first()
    .click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Tag' }).click();
  await page.getByRole('menuitem', { name: 'New tag…' }).click();
  await page.getByRole('dialog', { name: 'New tag' }).getByLabel('Name').fill('Coast');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(b.getByRole('link', { name: /Coast/ })).toContainText('1', LIVE);

  await b.getByRole('link', { name: 'Albums' }).click();
  await expect(b.getByRole('heading', { name: 'No albums yet' })).toBeVisible();
  await photosA
    .getByRole('option')
    .first()
    .click({ modifiers: ['ControlOrMeta'] });
  await photosA
    .getByRole('option')
    .last()
    .click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Add to album' }).click();
  await page.getByRole('menuitem', { name: 'New album…' }).click();
  await page.getByRole('dialog', { name: 'New album' }).getByLabel('Name').fill('Summer walks');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(b.getByRole('link', { name: /Summer walks/ })).toContainText('2 items', LIVE);

  await b.getByRole('link', { name: 'Favourites' }).click();
  const favouritesB = b.getByRole('listbox', { name: 'Favourites' });
  await expect(favouritesB.getByRole('option')).toHaveCount(0);
  await photosA
    .getByRole('option')
    .last()
    .click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Add to favourites' }).click();
  await expect(favouritesB.getByRole('option')).toHaveCount(1, LIVE);

  // A caption is visible through search on B: the search screen re-runs when the library changes.
  await b.getByRole('link', { name: 'Photos' }).click();
  await b.getByRole('searchbox', { name: 'Search your photos' }).fill('tidepool');
  await expect(b.getByRole('heading', { name: 'No matches' })).toBeVisible();
  const resultsB = b.getByRole('listbox', { name: 'Results for “tidepool”' });
  const firstId = await photosA.getByRole('option').first().getAttribute('id');
  await setCaptionInViewer(page, `#${firstId}`, 'Low tide, tidepool');
  await expect(resultsB.getByRole('option')).toHaveCount(1, LIVE);
  await expect(resultsB.getByRole('option')).toHaveAttribute('id', firstId!);

  await b.getByRole('link', { name: 'Trash' }).click();
  await expect(b.getByRole('heading', { name: 'Trash is empty' })).toBeVisible();
  await photosA
    .getByRole('option')
    .first()
    .click({ modifiers: ['ControlOrMeta'] });
  await page.getByRole('button', { name: 'Move to trash' }).click();
  await expect(b.getByRole('listbox', { name: 'Trash' }).getByRole('option')).toHaveCount(1, LIVE);
  await b.getByRole('link', { name: 'Photos' }).click();
  await expect(photosB.getByRole('option')).toHaveCount(1);

  for (const seen of [problems, problemsB]) {
    expect(seen.cspViolations).toEqual([]);
    expect(seen.pageErrors).toEqual([]);
  }
  await deviceB.context.close();
});
