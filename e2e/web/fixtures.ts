// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

/**
 * @module Test fixtures: loopback servers for the production build and the gallery build, and a page that
 * records every Content-Security-Policy violation and console error.
 */

import { fileURLToPath } from 'node:url';
import { test as base, type Page } from '@playwright/test';
import { type StaticServer, serveStatic } from './serve-static';

const webDir = (path: string): string => fileURLToPath(new URL(`../../web/${path}`, import.meta.url));

export interface PageProblems {
  readonly cspViolations: string[];
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
}

/** Collects CSP violations (reported in the page) and errors, from before the first script runs. */
export const watchPageProblems = async (page: Page): Promise<PageProblems> => {
  const problems: PageProblems = { cspViolations: [], consoleErrors: [], pageErrors: [] };
  await page.exposeFunction('__reportCspViolation', (text: string) => problems.cspViolations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { __reportCspViolation: (t: string) => void })
        .__reportCspViolation;
      report(
        `${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.message));
  return problems;
};

/** Counts object URLs created and not yet revoked in the page, from before the first script runs. */
export const trackObjectUrls = async (page: Page): Promise<() => Promise<number>> => {
  await page.addInitScript(() => {
    const live = new Set<string>();
    const create = URL.createObjectURL.bind(URL);
    const revoke = URL.revokeObjectURL.bind(URL);
    URL.createObjectURL = (blob: Blob | MediaSource) => {
      const url = create(blob);
      live.add(url);
      return url;
    };
    URL.revokeObjectURL = (url: string) => {
      live.delete(url);
      revoke(url);
    };
    (window as unknown as { liveObjectUrls: () => number }).liveObjectUrls = () => live.size;
  });
  return () => page.evaluate(() => (window as unknown as { liveObjectUrls: () => number }).liveObjectUrls());
};

/**
 * Counts canvases holding a decoded image (the grid's thumbnails, painted through `bitmaprenderer`) and not yet
 * emptied, from before the first script runs.
 */
export const trackPaintedImages = async (page: Page): Promise<() => Promise<number>> => {
  await page.addInitScript(() => {
    const live = new Set<HTMLCanvasElement | OffscreenCanvas>();
    const transfer = ImageBitmapRenderingContext.prototype.transferFromImageBitmap;
    ImageBitmapRenderingContext.prototype.transferFromImageBitmap = function (bitmap: ImageBitmap | null) {
      if (bitmap) live.add(this.canvas);
      else live.delete(this.canvas);
      transfer.call(this, bitmap);
    };
    (window as unknown as { livePaintedImages: () => number }).livePaintedImages = () => live.size;
  });
  return () =>
    page.evaluate(() => (window as unknown as { livePaintedImages: () => number }).livePaintedImages());
};

export const test = base.extend<object, { productionApp: StaticServer; galleryApp: StaticServer }>({
  productionApp: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      const server = await serveStatic(webDir('dist'));
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  galleryApp: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      const server = await serveStatic(webDir('dist-gallery'));
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
});

export { expect } from '@playwright/test';
