import { isDeepStrictEqual } from 'node:util';
import { PullResponse, WireRecord } from '@halyon/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutatedJson } from '../testing/mutated-json';
import { isPullResponse, isWireRecord } from './pull-check';

// Differential tests: the exact checks say yes exactly when zod accepts the value and gives back an equal one.
// See: [Note: The kind check's fast path]

const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
const base64 = fc.uint8Array({ maxLength: 30 }).map((bytes) => Buffer.from(bytes).toString('base64'));
/** Integers and the values just past the rules' bounds. */
const edgy = (...edges: number[]) => fc.oneof(fc.nat(), fc.constantFrom(0, -1, 0.5, ...edges));
const seq = edgy(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1);
const deleted = fc.boolean();
const wireRecord = fc.record({
  collectionId: fc.uuid(),
  recordId: fc.uuid(),
  version: edgy(2_147_483_647, 2_147_483_648),
  seq,
  deleted,
  ciphertext: fc.option(base64, { nil: null }),
  blobIds: fc.array(fc.uuid(), { maxLength: 3 }),
  updatedAt: edgy(Number.MAX_SAFE_INTEGER + 1),
});
const pullResponse = fc.record({
  epoch: fc.uuid(),
  changes: fc.array(wireRecord, { maxLength: 4 }),
  cursors: fc.dictionary(fc.uuid(), seq, { maxKeys: 3 }),
  hasMore: fc.boolean(),
});

const keptAsIs = (schema: typeof WireRecord | typeof PullResponse, value: unknown) => {
  const parsed = schema.safeParse(value);
  return parsed.success && isDeepStrictEqual(parsed.data, value);
};

const validOrMutated = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof(arbitrary.map(asJson), arbitrary.map(asJson).chain(mutatedJson));

describe('the exact pull answer checks', () => {
  it('accept a wire record exactly when zod accepts it as it is', () => {
    fc.assert(
      fc.property(validOrMutated(wireRecord), (value) => {
        expect(isWireRecord(value)).toBe(keptAsIs(WireRecord, value));
      }),
      { numRuns: 1000 },
    );
  });

  it('accept a pull answer exactly when zod accepts it as it is', () => {
    fc.assert(
      fc.property(validOrMutated(pullResponse), (value) => {
        expect(isPullResponse(value)).toBe(keptAsIs(PullResponse, value));
      }),
      { numRuns: 1000 },
    );
  });

  it('judge arbitrary JSON as zod does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(isPullResponse(value)).toBe(keptAsIs(PullResponse, value));
        expect(isWireRecord(value)).toBe(keptAsIs(WireRecord, value));
      }),
      { numRuns: 300 },
    );
  });

  it('accept every valid pull answer (the fast path is the one taken)', () => {
    fc.assert(
      fc.property(pullResponse.map(asJson), (value) => {
        expect(isPullResponse(value)).toBe(PullResponse.safeParse(value).success);
      }),
      { numRuns: 200 },
    );
  });
});
