import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';
import { securityHeadersPlugin } from './build/security-headers-plugin';
import {
  SERVICE_WORKER_ENTRY,
  SERVICE_WORKER_FILE_NAME,
  serviceWorkerPlugin,
} from './build/service-worker-plugin';
import { trustedTemplatesPlugin } from './build/trusted-templates-plugin';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** The HEIC decoder (src/worker/load-libheif.ts and libheif-js's .wasm): an install succeeds without it. */
const isOptionalShellFile = (fileName: string): boolean =>
  /^assets\/(load-libheif|libheif)-[\w-]+\.(js|wasm)$/.test(fileName);

// `vite build` makes the production app in dist/. `vite build --mode gallery` makes the same app wired to the
// dev-only demo data source (gallery/) in dist-gallery/, for screenshots and UI tests; it is never deployed.
export default defineConfig(({ mode }) => {
  const isGallery = mode === 'gallery';
  const publicDir = here('./public');
  return {
    root: isGallery ? here('./gallery') : here('.'),
    publicDir,
    plugins: [
      solid(),
      trustedTemplatesPlugin(),
      securityHeadersPlugin(),
      serviceWorkerPlugin(publicDir, isOptionalShellFile),
    ],
    build: {
      outDir: isGallery ? here('./dist-gallery') : here('./dist'),
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      rollupOptions: {
        input: {
          index: isGallery ? here('./gallery/index.html') : here('./index.html'),
          [SERVICE_WORKER_ENTRY]: here('./src/pwa/service-worker.ts'),
        },
        output: {
          entryFileNames: (chunk) =>
            chunk.name === SERVICE_WORKER_ENTRY ? SERVICE_WORKER_FILE_NAME : 'assets/[name]-[hash].js',
        },
      },
    },
    // ES workers can split code: the HEIC decoder (worker/load-libheif.ts) is a chunk loaded only when needed.
    worker: { format: 'es' as const },
    // libheif-js's glue is CommonJS, imported only by the worker's lazy chunk: pre-bundled at dev start rather
    // than discovered (and the page reloaded) at the first HEIC.
    optimizeDeps: { include: ['libheif-js/libheif-wasm/libheif.js'] },
    server: { host: '127.0.0.1' },
    preview: { host: '127.0.0.1' },
  };
});
