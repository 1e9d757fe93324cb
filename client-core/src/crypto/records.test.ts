import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomBytes } from './bytes';
import { generateCollectionKey } from './collection-keys';
import { recordPaddedLength } from './formats';
import { decryptRecord, encryptRecord, recordKeyEpoch } from './records';

const key = generateCollectionKey();
const context = {
  collectionId: '0b7f3c9e-1d2a-4c5b-8e6f-7a8b9c0d1e2f',
  recordId: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9',
  recordVersion: 4,
  epoch: 2,
};
const plaintext = new TextEncoder().encode('{"k":"tag","name":"holidays"}');
const ciphertext = encryptRecord(key, context, plaintext);

describe('records', () => {
  it('decrypt returns exactly what was encrypted', () => {
    const opened = decryptRecord(key, context, ciphertext);
    expect(opened).toEqual({ ok: true, value: plaintext });
  });

  it('uses a fresh nonce, so equal records do not look equal', () => {
    expect(encryptRecord(key, context, plaintext)).not.toEqual(ciphertext);
  });

  it('pads small records to one size, so their kinds cannot be told apart', () => {
    const short = encryptRecord(key, context, new Uint8Array(1));
    const longer = encryptRecord(key, context, new Uint8Array(100));
    expect(short.length).toBe(longer.length);
    expect(recordPaddedLength(1024)).toBeLessThan(1024 * 1.13);
  });

  it('tells the sync engine which key epoch to use', () => {
    expect(recordKeyEpoch(ciphertext)).toEqual({ ok: true, value: 2 });
  });

  it('refuses the record under another key', () => {
    expect(decryptRecord(generateCollectionKey(), context, ciphertext)).toEqual({
      ok: false,
      error: { type: 'DecryptFailed' },
    });
  });

  it('refuses a record moved, renamed, replayed at another version or claimed for another epoch', () => {
    const changes = [
      { collectionId: '0b7f3c9e-1d2a-4c5b-8e6f-7a8b9c0d1e30' },
      { recordId: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0fa' },
      { recordVersion: 3 },
      { recordVersion: 5 },
      { epoch: 1 },
      { epoch: 3 },
    ];
    for (const change of changes) {
      expect(decryptRecord(key, { ...context, ...change }, ciphertext).ok).toBe(false);
    }
  });

  it('refuses the record under any context that differs in any field, including swapped ids', () => {
    const swapped = { ...context, collectionId: context.recordId, recordId: context.collectionId };
    expect(decryptRecord(key, swapped, ciphertext).ok).toBe(false);
    fc.assert(
      fc.property(
        fc.record({
          collectionId: fc.constantFrom(context.collectionId, context.recordId, 'x'),
          recordId: fc.constantFrom(context.recordId, context.collectionId, 'y'),
          recordVersion: fc.constantFrom(context.recordVersion, context.epoch, 0, 2 ** 32 - 1),
          epoch: fc.constantFrom(context.epoch, context.recordVersion, 0),
        }),
        (candidate) => {
          const isOriginal = Object.entries(context).every(
            ([field, value]) => candidate[field as keyof typeof context] === value,
          );
          expect(decryptRecord(key, candidate, ciphertext).ok).toBe(isOriginal);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a record whose clear epoch was rewritten, even when the right key is used', () => {
    const relabelled = ciphertext.slice();
    relabelled[4] = 3;
    expect(decryptRecord(key, { ...context, epoch: 3 }, relabelled).ok).toBe(false);
  });

  it('refuses any single flipped bit', () => {
    fc.assert(
      fc.property(fc.nat({ max: ciphertext.length * 8 - 1 }), (bit) => {
        const tampered = ciphertext.slice();
        tampered[bit >> 3]! ^= 1 << (bit & 7);
        expect(decryptRecord(key, context, tampered)).toEqual({
          ok: false,
          error: { type: 'DecryptFailed' },
        });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any truncation or extension', () => {
    fc.assert(
      fc.property(fc.nat({ max: ciphertext.length - 1 }), fc.uint8Array({ maxLength: 32 }), (cut, extra) => {
        expect(decryptRecord(key, context, ciphertext.subarray(0, cut)).ok).toBe(false);
        if (extra.length > 0) {
          const extended = new Uint8Array([...ciphertext, ...extra]);
          expect(decryptRecord(key, context, extended).ok).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips any plaintext and any valid context', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.uuid(),
        fc.uuid(),
        fc.nat({ max: 2 ** 31 }),
        fc.integer({ min: 1, max: 1000 }),
        (bytes, collectionId, recordId, recordVersion, epoch) => {
          const ctx = { collectionId, recordId, recordVersion, epoch };
          const sealed = encryptRecord(key, ctx, bytes);
          expect(decryptRecord(key, ctx, sealed)).toEqual({ ok: true, value: bytes });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('throws on misuse rather than encrypting with a bad key or context', () => {
    expect(() => encryptRecord(randomBytes(16) as typeof key, context, plaintext)).toThrow(/key/);
    expect(() => encryptRecord(key, { ...context, epoch: -1 }, plaintext)).toThrow(/epoch/);
    expect(() => encryptRecord(key, { ...context, recordId: '' }, plaintext)).toThrow(/recordId/);
  });
});
