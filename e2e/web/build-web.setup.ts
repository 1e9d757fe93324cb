/**
 * Builds what the web specs serve: the production app (web/dist) and the gallery on demo data
 * (web/dist-gallery), with the same Vite config as `pnpm --filter @halyon/web build`.
 */

import { fileURLToPath } from 'node:url';
import { test as setup } from '@playwright/test';
import { build } from 'vite';

const configFile = fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url));

setup('build the web app and the gallery', async () => {
  setup.setTimeout(300_000);
  for (const mode of ['production', 'gallery']) await build({ configFile, mode, logLevel: 'warn' });
});
