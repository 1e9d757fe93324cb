/**
 * @module Build plugin: gives the service worker (src/pwa/service-worker.ts, built as `sw.js`) the list of files
 * that make up the app shell and a version derived from their bytes.
 *
 * The list is exactly what the build produced plus `public/`: the service worker can cache nothing else.
 * Any change to any shell file changes the version, hence the bytes of `sw.js`, which is how the browser notices
 * a new deployment (see src/pwa/create-app-update.ts for the prompt).
 *
 * Files matching `isOptional` (the HEIC decoder: ~90 kB of glue and a 1.4 MB .wasm that most people never need)
 * are listed apart: an install that cannot fetch them still succeeds. See: [Note: The HEIC decoder offline]
 */

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Plugin } from 'vite';

export const SERVICE_WORKER_ENTRY = 'service-worker';
export const SERVICE_WORKER_FILE_NAME = 'sw.js';

const PLACEHOLDER = /(["'`])__HALYON_SHELL_MANIFEST__\1/g;
const NOT_SHELL = [SERVICE_WORKER_FILE_NAME, 'security-headers.json'];

const listFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path).map((p) => join(name, p)) : [name];
  });

export const serviceWorkerPlugin = (
  publicDir: string,
  isOptional: (fileName: string) => boolean = () => false,
): Plugin => ({
  name: 'halyon:service-worker',
  apply: 'build',
  enforce: 'post',
  generateBundle(_options, bundle) {
    const bytesByFile = new Map<string, string | Uint8Array>();
    for (const [fileName, output] of Object.entries(bundle)) {
      if (NOT_SHELL.includes(fileName) || fileName.endsWith('.map')) continue;
      bytesByFile.set(fileName, output.type === 'chunk' ? output.code : output.source);
    }
    for (const file of listFiles(publicDir)) {
      bytesByFile.set(relative('.', file).split('\\').join('/'), readFileSync(join(publicDir, file)));
    }
    if (!bytesByFile.has('index.html')) this.error('the app shell has no index.html');
    const all = [...bytesByFile.keys()].sort();
    const hash = createHash('sha256');
    for (const file of all)
      hash
        .update(file)
        .update('\0')
        .update(bytesByFile.get(file) ?? '');
    const files = all.filter((file) => !isOptional(file));
    const optionalFiles = all.filter(isOptional);
    const manifest = { version: hash.digest('hex').slice(0, 16), files, optionalFiles };

    const worker = bundle[SERVICE_WORKER_FILE_NAME];
    if (worker?.type !== 'chunk') this.error(`no ${SERVICE_WORKER_FILE_NAME} in the bundle`);
    let replaced = 0;
    worker.code = worker.code.replace(PLACEHOLDER, () => {
      replaced += 1;
      return JSON.stringify(JSON.stringify(manifest));
    });
    if (replaced !== 1) this.error(`expected one shell manifest placeholder in ${SERVICE_WORKER_FILE_NAME}`);
  },
});
