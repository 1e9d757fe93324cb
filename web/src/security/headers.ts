/**
 * @module The HTTP response headers the web app must be served with, in one place.
 *
 * The build writes them to `dist/security-headers.json` (build/security-headers-plugin.ts) so the server can serve
 * `web/dist` with exactly this set without importing web code; it only appends the configured bucket origins to
 * `connect-src`. The app ships no inline script or style, so the policy needs neither 'unsafe-inline' nor
 * 'unsafe-eval'. See: [Note: Trusted Types and Solid templates].
 */

/** The name of the only Trusted Types policy the app creates (security/trusted-types.ts). */
export const TRUSTED_TYPES_POLICY_NAME = 'default';

export type CspDirectives = Readonly<Record<string, ReadonlyArray<string>>>;

export const CSP_DIRECTIVES: CspDirectives = {
  'default-src': ["'self'"],
  // 'wasm-unsafe-eval' lets the worker compile WebAssembly (Argon2id); it allows no JS eval.
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'blob:'],
  'media-src': ["'self'", 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'require-trusted-types-for': ["'script'"],
  'trusted-types': [TRUSTED_TYPES_POLICY_NAME],
};

/** Headers other than the CSP; the same on every response of the app shell. */
export const OTHER_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

const isBareOrigin = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.origin === value && (url.protocol === 'https:' || url.protocol === 'http:');
  } catch {
    return false;
  }
};

/** The CSP header value; `connectOrigins` are the configured bucket origins (e.g. `https://bucket.example`). */
export const contentSecurityPolicyFor = (connectOrigins: ReadonlyArray<string> = []): string => {
  for (const origin of connectOrigins) {
    // A malformed entry would silently widen or break the policy: a configuration bug, so it throws.
    if (!isBareOrigin(origin)) throw new Error(`not a bare origin: ${JSON.stringify(origin)}`);
  }
  return Object.entries(CSP_DIRECTIVES)
    .map(([name, values]) => {
      const all = name === 'connect-src' ? [...values, ...connectOrigins] : values;
      return [name, ...all].join(' ');
    })
    .join('; ');
};

export const securityHeadersFor = (
  connectOrigins: ReadonlyArray<string> = [],
): Readonly<Record<string, string>> => ({
  'Content-Security-Policy': contentSecurityPolicyFor(connectOrigins),
  ...OTHER_SECURITY_HEADERS,
});

/** The shape of `dist/security-headers.json`. */
export interface SecurityHeadersFile {
  readonly contentSecurityPolicy: CspDirectives;
  readonly headers: Readonly<Record<string, string>>;
}

export const securityHeadersFile = (): SecurityHeadersFile => ({
  contentSecurityPolicy: CSP_DIRECTIVES,
  headers: OTHER_SECURITY_HEADERS,
});
