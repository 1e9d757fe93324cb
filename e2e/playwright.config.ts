import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser. Specs start their own servers on free loopback ports.
export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  testIgnore: '**/node_modules/**',
  timeout: 120_000,
  workers: 1,
  reporter: 'list',
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'e2e', testIgnore: ['**/node_modules/**', 'web/**'] },
    // The web app (web/): built once by the setup project, then served by the specs on loopback.
    { name: 'web-build', testMatch: 'web/build-web.setup.ts' },
    {
      name: 'web',
      testMatch: 'web/*.spec.ts',
      dependencies: ['web-build'],
      use: { viewport: { width: 1280, height: 800 } },
    },
  ],
});
