import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptCredentials, encryptCredentials } from './credentials-cipher';

describe('bucket credentials at rest', () => {
  const key = randomBytes(32);
  const credentials = {
    accessKeyId: 'AKIAEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  };

  it('round-trips, and the stored bytes do not contain the secret', () => {
    const id = randomUUID();
    const sealed = encryptCredentials(key, id, credentials);
    expect(sealed.includes(Buffer.from(credentials.secretAccessKey))).toBe(false);
    expect(decryptCredentials(key, id, sealed)).toEqual(credentials);
  });

  it('refuses another key, another config id, and any flipped bit', () => {
    const id = randomUUID();
    const sealed = encryptCredentials(key, id, credentials);
    expect(() => decryptCredentials(randomBytes(32), id, sealed)).toThrow();
    expect(() => decryptCredentials(key, randomUUID(), sealed)).toThrow();
    for (const index of [0, 5, sealed.length - 20, sealed.length - 1]) {
      const flipped = Buffer.from(sealed);
      flipped[index]! ^= 0x01;
      expect(() => decryptCredentials(key, id, flipped), `byte ${index}`).toThrow();
    }
  });
});
