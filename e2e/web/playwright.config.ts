import { defineConfig } from '@playwright/test';

// The web app's browser tests: built app (web/dist) and the gallery build (web/dist-gallery, demo data) served
// on loopback with the production headers, driven in Debian's Chromium (never a downloaded browser).
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../test-results/web',
  fullyParallel: false,
  workers: 1,
  timeout: 60_000,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    viewport: { width: 1280, height: 800 },
    serviceWorkers: 'allow',
  },
});
