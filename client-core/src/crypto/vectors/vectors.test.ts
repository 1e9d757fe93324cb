import { describe, expect, it } from 'vitest';
import { checkAllVectors } from './check-vectors';

describe('published and format vectors (Node)', async () => {
  const results = await checkAllVectors();

  it('covers every suite the format depends on', () => {
    const suites = new Set(results.map((r) => r.suite));
    for (const suite of [
      'sha-256',
      'sha-256 (node:crypto)',
      'hchacha20',
      'xchacha20-poly1305',
      'xchacha20-poly1305 (node:crypto)',
      'chacha20-poly1305',
      'chacha20-poly1305 (node:crypto)',
      'aes-256-gcm',
      'aes-256-gcm (node:crypto)',
      'argon2id',
      'hkdf-sha256',
      'hkdf-sha256 (sync)',
      'pbkdf2-sha256',
      'x25519 (webcrypto)',
      'x25519 (noble)',
      'ed25519 (webcrypto)',
      'ed25519 (noble)',
      'format-v1',
    ]) {
      expect(suites).toContain(suite);
    }
  });

  it.each(results.map((r) => [`${r.suite}: ${r.name}`, r] as const))('%s', (_name, result) => {
    expect(result.detail ?? 'passed').toBe('passed');
  });
});
