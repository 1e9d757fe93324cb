import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, portableBase64ToBytes, portableBytesToBase64 } from './base64';

describe('base64', () => {
  it('matches the platform encoding and round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = bytesToBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(base64ToBytes(text)).toEqual(bytes);
        expect(portableBytesToBase64(bytes)).toBe(text);
        expect(portableBase64ToBytes(text)).toEqual(bytes);
      }),
    );
  });

  it('refuses what is not base64, as the portable codec does', () => {
    for (const bad of ['abc', 'ab!=', 'a===']) expect(() => base64ToBytes(bad)).toThrow(RangeError);
  });

  it('decodes into bytes of their own (not a view of a shared pool)', () => {
    const bytes = base64ToBytes('AAEC');
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(3);
  });
});
