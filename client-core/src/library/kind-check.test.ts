import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBase64 } from '../exact-checks';
import { encodeHlc } from '../sync/hlc';
import { mutatedJson } from '../testing/mutated-json';
import { isEnvelope, KIND_CHECKS } from './kind-check';
import { decodeRecordDoc, decodeRecordDocWithZod, KIND_SCHEMAS, type RecordKind } from './kinds';

// Differential tests of [Note: The kind check's fast path]: the exact check says yes exactly when zod accepts the
// value and gives back an equal one, and the decoder answers as zod alone does, for valid documents, documents
// with one value changed, added or removed anywhere, and arbitrary JSON.

const text = (max: number, min = 0) =>
  fc.oneof(
    fc.string({ minLength: min, maxLength: Math.min(max, 3) }),
    // At the limit: a long run, then a few characters that may be two UTF-16 units each.
    fc.string({ maxLength: 2, unit: 'binary' }).map((tail) => 'x'.repeat(max - 1) + tail),
  );
const base64 = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('base64'));
const timestamp = fc.oneof(fc.integer(), fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER));
const size = fc.nat();
const nonNegative = fc.oneof(fc.nat(), fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }));
const exif = fc.record(
  {
    make: text(100),
    model: text(100),
    lens: text(200),
    iso: nonNegative,
    exposureTime: nonNegative,
    fNumber: nonNegative,
    focalLengthMm: nonNegative,
    orientation: fc.integer({ min: 1, max: 8 }),
  },
  { requiredKeys: [] },
);
const location = fc.record(
  {
    latitude: fc.double({ min: -90, max: 90, noNaN: true }),
    longitude: fc.double({ min: -180, max: 180, noNaN: true }),
    name: text(200),
  },
  { requiredKeys: ['latitude', 'longitude'] },
);
const uploadPart = {
  blobs: fc.record({
    original: fc.uuid(),
    thumbnail: fc.option(fc.uuid(), { nil: null }),
    preview: fc.option(fc.uuid(), { nil: null }),
  }),
  fileKey: base64,
  size,
  mime: text(100),
  width: size,
  height: size,
  takenAt: timestamp,
  exif,
  fileName: text(500),
};
const photo = fc.record({
  ...uploadPart,
  contentHash: base64,
  caption: text(5000),
  favourite: fc.boolean(),
  archived: fc.boolean(),
  trashedAt: fc.option(timestamp, { nil: null }),
  location: fc.option(location, { nil: null }),
  dateOverride: fc.option(timestamp, { nil: null }),
});
const FIELDS: Record<RecordKind, fc.Arbitrary<Record<string, unknown>>> = {
  photo,
  tag: fc.record({ name: text(200, 1), color: fc.option(text(20), { nil: null }) }),
  album: fc.record({
    name: text(500, 1),
    description: text(5000),
    coverPhotoId: fc.option(fc.uuid(), { nil: null }),
  }),
  photoTag: fc.record({ photoId: fc.uuid(), tagId: fc.uuid(), present: fc.boolean() }),
  albumPhoto: fc.record({
    albumId: fc.uuid(),
    photoId: fc.uuid(),
    present: fc.boolean(),
    position: text(200, 1),
    photo: fc.option(fc.record(uploadPart), { nil: null }),
  }),
};
const KINDS = Object.keys(FIELDS) as RecordKind[];

const stamp = fc
  .record({
    wallMs: fc.nat(),
    counter: fc.nat({ max: 36 ** 4 - 1 }),
    nodeId: fc.stringMatching(/^[0-9a-z]{1,8}$/),
  })
  .map(encodeHlc);

/** As JSON.parse gives it (fast-check's records have no prototype; decrypted plaintext is JSON). */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
/** A kind's fields: valid, or with one value anywhere changed, added or removed. */
const fieldsOf = (kind: RecordKind) =>
  fc.oneof(FIELDS[kind].map(asJson), FIELDS[kind].map(asJson).chain(mutatedJson));

/** What zod says: accepted with a value equal to the input. */
const zodKeepsAsIs = (kind: RecordKind, value: unknown) => {
  const parsed = KIND_SCHEMAS[kind].safeParse(value);
  return parsed.success && isDeepStrictEqual(parsed.data, value);
};

const RUNS = { numRuns: 400 };

describe('the exact kind checks', () => {
  for (const kind of KINDS) {
    it(`accept a ${kind}'s fields exactly when zod accepts them as they are`, () => {
      fc.assert(
        fc.property(fieldsOf(kind), (value) => {
          expect(KIND_CHECKS[kind](value)).toBe(zodKeepsAsIs(kind, value));
        }),
        RUNS,
      );
    });
  }

  it('accept every valid document of every kind (the fast path is the one taken)', () => {
    for (const kind of KINDS) {
      fc.assert(
        fc.property(FIELDS[kind].map(asJson), (value) => {
          expect(KIND_CHECKS[kind](value)).toBe(KIND_SCHEMAS[kind].safeParse(value).success);
        }),
        { numRuns: 100 },
      );
    }
  });

  it('judge arbitrary JSON as zod does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...KINDS), (value, kind) => {
        expect(KIND_CHECKS[kind](value)).toBe(zodKeepsAsIs(kind, value));
      }),
      RUNS,
    );
  });

  it('judge base64 as zod does, at the edges of padding and length', () => {
    const schema = KIND_SCHEMAS.photo.shape.fileKey;
    const edges = fc.oneof(
      base64,
      fc.stringMatching(/^[A-Za-z0-9+/=_\-\s]{0,9}$/),
      fc.constantFrom('', '=', '==', '===', '====', 'A===', 'AA==', 'AAA=', 'AAAA', 'AA=A', '=AAA', 'AA\nA'),
    );
    fc.assert(
      fc.property(edges, (value) => {
        expect(isBase64(value)).toBe(schema.safeParse(value).success);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decoding a record document', () => {
  const document = fc.constantFrom(...KINDS).chain((kind) =>
    fc
      .record({
        k: fc.oneof(fc.constant<string>(kind), fc.string()),
        v: fc.oneof(fc.constantFrom(1, 2), fc.integer({ min: -1, max: 3 }), fc.double()),
        f: fieldsOf(kind),
        s: fc.dictionary(fc.string({ maxLength: 12 }), stamp, { maxKeys: 5 }),
      })
      .map(asJson)
      .chain((doc) => fc.oneof(fc.constant<unknown>(doc), mutatedJson(doc))),
  );

  it('answers as zod alone does, for valid and broken documents', () => {
    fc.assert(
      fc.property(document, (doc) => {
        const bytes = new TextEncoder().encode(JSON.stringify(doc));
        expect(decodeRecordDoc(bytes)).toEqual(decodeRecordDocWithZod(bytes));
      }),
      RUNS,
    );
  });

  it('leaves documents with unknown keys or a __proto__ key to zod, which drops them', () => {
    const fields = { name: 'trip', color: null, extra: 1 };
    const stamps = { name: encodeHlc({ wallMs: 1, counter: 0, nodeId: 'a' }) };
    const withExtra = { k: 'tag', v: 1, f: fields, s: stamps };
    expect(KIND_CHECKS.tag(fields)).toBe(false);
    const decoded = decodeRecordDoc(new TextEncoder().encode(JSON.stringify(withExtra)));
    expect(decoded).toEqual({
      ok: true,
      value: { kind: 'tag', schemaVersion: 1, fields: { name: 'trip', color: null }, stamps },
    });
    const proto = JSON.parse('{"k":"tag","v":1,"f":{"__proto__":{}},"s":{}}') as unknown;
    expect(isEnvelope(proto)).toBe(false);
  });
});
