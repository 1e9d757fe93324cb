/**
 * The browser's thumbnailer (client-core/src/upload/canvas-thumbnails.ts) in Debian's Chromium, in a worker as the
 * app runs it: every image format gives a thumbnail and a preview of the right size, turned upright; a video gives
 * a frame thumbnail through the page's grabVideoFrame; what the browser cannot decode is CannotDecode.
 *
 * fixtures/: 1600x1000 images, red on the left half and blue on the right (rotated.jpg is stored so and carries
 * EXIF orientation 6, so it shows 1000x1600, red on top), and an 800x500 PNG; made with sharp 0.35. The HEIC
 * fixtures are client-core's (client-core/src/upload/fixtures/heic/README.md): coloured quadrants.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import type { ImageReport, ThumbnailReport } from './protocol';

const fixtureRoot = fileURLToPath(new URL('.', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
let vite: ViteDevServer;
let url: string;

test.beforeAll(async () => {
  vite = await createServer({
    configFile: false,
    root: fixtureRoot,
    logLevel: 'error',
    clearScreen: false,
    // libheif-js's glue is CommonJS: pre-bundled so the dev server can serve it to the worker as a module.
    optimizeDeps: { noDiscovery: true, include: ['libheif-js/libheif-wasm/libheif.js'] },
    server: { host: '127.0.0.1', port: 0, hmr: false, fs: { allow: [repositoryRoot] } },
  });
  await vite.listen();
  const address = vite.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('fixture server has no port');
  url = `http://127.0.0.1:${address.port}/`;
});
test.afterAll(() => vite?.close());

type Thumbnails = {
  ofFiles(files: { name: string; base64: string }[]): Promise<Record<string, ThumbnailReport>>;
  ofRecordedVideo(): Promise<ThumbnailReport>;
  ofBrokenVideo(): Promise<ThumbnailReport>;
};
declare const thumbnails: Thumbnails;

const RED = [255, 0, 0];
const BLUE = [0, 0, 255];
/** Red a quarter along the longer edge, blue three quarters along (JPEG and scaling shift colours a little). */
const expectRedThenBlue = (image: ImageReport) => {
  const distance = (pixel: readonly number[], colour: readonly number[]) =>
    Math.max(...pixel.map((value, i) => Math.abs(value - colour[i]!)));
  expect(distance(image.first, RED)).toBeLessThan(40);
  expect(distance(image.last, BLUE)).toBeLessThan(40);
};

test('every image format gives an upright JPEG thumbnail and preview of the right size', async ({ page }) => {
  await page.goto(url);
  await expect(page.locator('#status')).toHaveText('ready');
  const names = ['rotated.jpg', 'wide.png', 'wide.webp', 'wide.gif', 'wide.avif', 'small.png'];
  const files = await Promise.all(
    names.map(async (name) => ({
      name,
      base64: (await readFile(new URL(`fixtures/${name}`, import.meta.url))).toString('base64'),
    })),
  );
  const reports = await page.evaluate((files) => thumbnails.ofFiles(files), files);

  const expected: Record<
    string,
    { mime: string; size: number[]; thumbnail: number[]; preview: number[] | null }
  > = {
    'rotated.jpg': { mime: 'image/jpeg', size: [1000, 1600], thumbnail: [160, 256], preview: [800, 1280] },
    'wide.png': { mime: 'image/png', size: [1600, 1000], thumbnail: [256, 160], preview: [1280, 800] },
    'wide.webp': { mime: 'image/webp', size: [1600, 1000], thumbnail: [256, 160], preview: [1280, 800] },
    'wide.gif': { mime: 'image/gif', size: [1600, 1000], thumbnail: [256, 160], preview: [1280, 800] },
    'wide.avif': { mime: 'image/avif', size: [1600, 1000], thumbnail: [256, 160], preview: [1280, 800] },
    'small.png': { mime: 'image/png', size: [800, 500], thumbnail: [256, 160], preview: null },
  };
  for (const [name, want] of Object.entries(expected)) {
    const report = reports[name]!;
    if (!report.ok) throw new Error(`${name}: ${report.error}`);
    expect(report.libheifLoads, 'the HEIC decoder is loaded only for HEIC').toBe(0);
    expect({ name, mime: report.mime, size: [report.width, report.height] }).toEqual({
      name,
      mime: want.mime,
      size: want.size,
    });
    expect([report.thumbnail.type, report.thumbnail.width, report.thumbnail.height]).toEqual([
      'image/jpeg',
      ...want.thumbnail,
    ]);
    expectRedThenBlue(report.thumbnail);
    if (want.preview === null) {
      expect(report.preview).toBeNull();
    } else {
      expect([report.preview?.width, report.preview?.height]).toEqual(want.preview);
      expectRedThenBlue(report.preview!);
    }
  }
});

test('a video gives a frame thumbnail drawn by the page; one the browser cannot play gives none', async ({
  page,
}) => {
  await page.goto(url);
  await expect(page.locator('#status')).toHaveText('ready');
  const video = await page.evaluate(() => thumbnails.ofRecordedVideo());
  if (!video.ok) throw new Error(`recorded video: ${video.error}`);
  expect([video.mime, video.width, video.height]).toEqual(['video/webm', 640, 360]);
  expect([video.thumbnail.width, video.thumbnail.height]).toEqual([256, 144]);
  expectRedThenBlue(video.thumbnail);
  expect(video.preview).toBeNull();

  expect(await page.evaluate(() => thumbnails.ofBrokenVideo())).toEqual({
    ok: false,
    mime: 'video/webm',
    error: 'CannotDecode',
  });
});

const QUADRANTS = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 0],
];
const expectQuadrants = (image: ImageReport) => {
  image.quadrants.forEach((pixel, i) => {
    const distance = Math.max(...pixel.map((value, c) => Math.abs(value - QUADRANTS[i]![c]!)));
    expect(distance, `quadrant ${i}: ${pixel}`).toBeLessThan(40);
  });
};

test('a HEIC Chromium cannot decode gets upright thumbnails through libheif-js, loaded from this origin', async ({
  page,
}) => {
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(url);
  await expect(page.locator('#status')).toHaveText('ready');
  // Chromium itself has no HEVC image decoder: without libheif-js these would be CannotDecode.
  const names = ['quadrants-irot.heic', 'quadrants-2000x1500.heic'];
  const files = await Promise.all(
    names.map(async (name) => ({
      name,
      base64: (
        await readFile(new URL(`../../client-core/src/upload/fixtures/heic/${name}`, import.meta.url))
      ).toString('base64'),
    })),
  );
  const reports = await page.evaluate((files) => thumbnails.ofFiles(files), files);

  const rotated = reports['quadrants-irot.heic']!;
  if (!rotated.ok) throw new Error(`quadrants-irot.heic: ${rotated.error}`);
  // Stored 48x64 with irot and EXIF orientation 6: turned once, so 64x48 with the quadrants in place.
  expect([rotated.mime, rotated.width, rotated.height]).toEqual(['image/heic', 64, 48]);
  expect([rotated.thumbnail.type, rotated.thumbnail.width, rotated.thumbnail.height]).toEqual([
    'image/jpeg',
    64,
    48,
  ]);
  expectQuadrants(rotated.thumbnail);
  // Only Safari shows a HEIC original, so the viewer gets a preview even of a small one.
  expect([rotated.preview?.width, rotated.preview?.height]).toEqual([64, 48]);
  expectQuadrants(rotated.preview!);

  const large = reports['quadrants-2000x1500.heic']!;
  if (!large.ok) throw new Error(`quadrants-2000x1500.heic: ${large.error}`);
  expect([large.width, large.height]).toEqual([2000, 1500]);
  expect([large.thumbnail.width, large.thumbnail.height]).toEqual([256, 192]);
  expect([large.preview?.width, large.preview?.height]).toEqual([1280, 960]);
  expectQuadrants(large.thumbnail);
  expectQuadrants(large.preview!);
  expect(large.libheifLoads, 'one module for both files').toBe(1);

  const origin = new URL(url).origin;
  expect(
    requests.filter((r) => !r.startsWith(origin) && !r.startsWith('blob:') && !r.startsWith('data:')),
  ).toEqual([]);
  expect(
    requests.some((r) => /libheif\.wasm/.test(r)),
    'the .wasm came from this origin',
  ).toBe(true);
});
