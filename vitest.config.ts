import { defineConfig } from 'vitest/config';

// One run over every package; each package's own vitest.config.ts says how its tests run.
export default defineConfig({
  test: {
    projects: ['protocol', 'server', 'client-core', 'web', 'bench'],
  },
});
