// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />
/**
 * A video through the real app: its thumbnail is a frame the page grabbed for the worker (the worker has no
 * <video>), stored encrypted and shown decrypted in the grid with a play badge; its original downloads byte for byte.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import { expect, test, watchPageProblems } from './fixtures';
import { registerThroughUi } from './real-helpers';
import { type RealServer, startRealServer } from './real-server';

let server: RealServer;
test.beforeAll(async () => {
  server = await startRealServer();
});
test.afterAll(async () => {
  await server?.close();
});

/** A 640x360 WebM (VP8) of about 1.5 s, recorded in the page from a canvas: red on the left, blue on the right. */
const recordWebm = async (page: Page): Promise<Buffer> => {
  const base64 = await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const context = canvas.getContext('2d')!;
    const paint = () => {
      context.fillStyle = '#0000ff';
      context.fillRect(0, 0, 640, 360);
      context.fillStyle = '#ff0000';
      context.fillRect(0, 0, 320, 360);
    };
    paint();
    const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: 'video/webm;codecs=vp8' });
    const pieces: Blob[] = [];
    recorder.ondataavailable = (event) => pieces.push(event.data);
    const stopped = new Promise((resolve) => recorder.addEventListener('stop', resolve, { once: true }));
    const painter = setInterval(paint, 30); // captureStream sends a frame when the canvas is drawn
    recorder.start(250);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    recorder.stop();
    await stopped;
    clearInterval(painter);
    const bytes = new Uint8Array(await new Blob(pieces).arrayBuffer());
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary);
  });
  return Buffer.from(base64, 'base64');
};

test('uploads a recorded WebM: the grid shows its decrypted frame thumbnail with a play badge, and the original downloads byte for byte', async ({
  page,
}) => {
  const problems = await watchPageProblems(page);
  await page.goto(server.origin);
  await registerThroughUi(page, `video-${randomUUID()}@example.org`, 'amber willow canyon frost');
  const photos = page.getByRole('listbox', { name: 'Photos' });

  const video = await recordWebm(page);
  expect(video.length).toBeGreaterThan(1000);
  await page
    .locator('input[type="file"][accept]')
    .setInputFiles([{ name: 'clip.webm', mimeType: 'video/webm', buffer: video }]);
  const uploads = page.getByRole('region', { name: 'Uploads' });
  await expect(uploads).toContainText('1 uploaded', { timeout: 60_000 });

  const cell = photos.getByRole('option');
  await expect(cell).toHaveCount(1);
  await expect(cell.locator('.timeline-cell__badge--video')).toHaveCount(1);
  const thumbnail = cell.locator('canvas');
  await expect(thumbnail).toHaveCount(1, { timeout: 30_000 });
  // Decoded from the decrypted thumbnail: the frame's red left half and blue right half.
  await expect
    .poll(() =>
      thumbnail.evaluate((painted: HTMLCanvasElement) => {
        if (painted.width === 0) return null;
        const canvas = document.createElement('canvas');
        canvas.width = painted.width;
        canvas.height = painted.height;
        const context = canvas.getContext('2d')!;
        context.drawImage(painted, 0, 0);
        const y = Math.floor(painted.height / 2);
        const at = (x: number) => [...context.getImageData(x, y, 1, 1).data.subarray(0, 3)];
        const [left, right] = [at(Math.floor(painted.width / 4)), at(Math.floor((painted.width * 3) / 4))];
        return {
          wide: painted.width > painted.height,
          leftRed: left[0]! > 150 && left[2]! < 100,
          rightBlue: right[2]! > 150 && right[0]! < 100,
        };
      }),
    )
    .toEqual({ wide: true, leftRed: true, rightBlue: true });
  await page.screenshot({ path: 'test-results/real-video-grid.png' });

  await cell.click();
  const viewer = page.getByRole('dialog');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    viewer.getByRole('button', { name: 'Download original' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('clip.webm');
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).equals(video)).toBe(true);
  expect(problems.cspViolations).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});
