import { describe, expect, it } from 'vitest';
import { contentSecurityPolicyFor, securityHeadersFile, securityHeadersFor } from './headers';

describe('security headers', () => {
  it('forbid inline script and style, eval, framing, plugins and base-uri changes', () => {
    const csp = contentSecurityPolicyFor();
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toContain("'unsafe-inline'");
    expect(csp).not.toContain("'unsafe-eval'");
  });

  it('add configured bucket origins to connect-src only', () => {
    const csp = contentSecurityPolicyFor(['https://bucket.example']);
    expect(csp).toContain("connect-src 'self' https://bucket.example;");
    expect(csp.match(/bucket\.example/g)).toHaveLength(1);
  });

  it('refuse anything that is not a bare origin, so a bad setting cannot widen the policy', () => {
    for (const bad of [
      '*',
      'https://bucket.example/path',
      "https://a.example 'unsafe-inline'",
      'data:',
      'ftp://x.example',
    ]) {
      expect(() => contentSecurityPolicyFor([bad]), bad).toThrow();
    }
  });

  it('send no referrer and isolate the browsing context', () => {
    const headers = securityHeadersFor();
    expect(headers['Referrer-Policy']).toBe('no-referrer');
    expect(headers['Cross-Origin-Opener-Policy']).toBe('same-origin');
    expect(headers['Cross-Origin-Resource-Policy']).toBe('same-origin');
  });

  it('write the same policy to the file the server reads', () => {
    const file = securityHeadersFile();
    const fromFile = Object.entries(file.contentSecurityPolicy)
      .map(([name, values]) => [name, ...values].join(' '))
      .join('; ');
    expect(fromFile).toBe(contentSecurityPolicyFor());
    expect({ 'Content-Security-Policy': fromFile, ...file.headers }).toEqual(securityHeadersFor());
  });
});
