import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CryptoInputError } from './errors';
import { hmacSha256Sync } from './sha2';

const webCryptoHmac = async (key: Uint8Array, message: Uint8Array) => {
  const hmacKey = await crypto.subtle.importKey(
    'raw',
    key as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, message as Uint8Array<ArrayBuffer>));
};

describe('synchronous HMAC-SHA256', () => {
  it('matches WebCrypto for any key and message', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.uint8Array({ maxLength: 300 }),
        async (key, message) => {
          expect(hmacSha256Sync(key, message)).toEqual(await webCryptoHmac(key, message));
        },
      ),
    );
  });

  it('refuses a key that is not bytes with a typed error', () => {
    expect(() => hmacSha256Sync('key' as unknown as Uint8Array, new Uint8Array(1))).toThrow(CryptoInputError);
  });
});
