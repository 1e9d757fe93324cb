/**
 * @module Build plugin: serves the app with its security headers (vite preview) and writes them to
 * `dist/security-headers.json` for the server.
 *
 * The dev server gets every header except the CSP: Vite's dev client injects styles inline and is not built
 * for Trusted Types. `vite preview` serves the production build with the full set, as the server will.
 */

import type { Plugin } from 'vite';
import { OTHER_SECURITY_HEADERS, securityHeadersFile, securityHeadersFor } from '../src/security/headers';

export const SECURITY_HEADERS_FILE_NAME = 'security-headers.json';

type Headers = Readonly<Record<string, string>>;

const withHeaders =
  (headers: Headers) =>
  (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void): void => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    next();
  };

export const securityHeadersPlugin = (): Plugin => ({
  name: 'halyon:security-headers',
  configureServer(server) {
    server.middlewares.use(withHeaders(OTHER_SECURITY_HEADERS));
  },
  configurePreviewServer(server) {
    server.middlewares.use(withHeaders(securityHeadersFor()));
  },
  generateBundle() {
    this.emitFile({
      type: 'asset',
      fileName: SECURITY_HEADERS_FILE_NAME,
      source: `${JSON.stringify(securityHeadersFile(), null, 2)}\n`,
    });
  },
});
