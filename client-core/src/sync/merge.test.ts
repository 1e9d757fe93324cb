import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHlcClock, encodeHlc, type Hlc } from './hlc';
import { createDoc, editDoc, mergeDocs, type RecordDoc } from './merge';

const stamp = (wallMs: number, nodeId = 'a', counter = 0): Hlc => encodeHlc({ wallMs, counter, nodeId });

const mergeOrThrow = (a: RecordDoc, b: RecordDoc): RecordDoc => {
  const merged = mergeDocs(a, b);
  if (!merged.ok) throw new Error(merged.error.type);
  return merged.value;
};

const base = createDoc('photo', 1, { caption: '', favourite: false, archived: false }, stamp(1));

describe('mergeDocs', () => {
  it('keeps the later edit of a field whichever side it comes from', () => {
    const early = editDoc(base, { caption: 'beach' }, stamp(10, 'a'));
    const late = editDoc(base, { caption: 'sunset' }, stamp(20, 'b'));
    expect(mergeOrThrow(early, late).fields.caption).toBe('sunset');
    expect(mergeOrThrow(late, early).fields.caption).toBe('sunset');
  });

  it('keeps edits to different fields from both devices', () => {
    const captioned = editDoc(base, { caption: 'beach' }, stamp(10, 'a'));
    const favourited = editDoc(base, { favourite: true }, stamp(5, 'b'));
    const merged = mergeOrThrow(captioned, favourited);
    expect(merged.fields).toEqual({ caption: 'beach', favourite: true, archived: false });
  });

  it('breaks a tie of wall time and counter by the node id, the same way on both sides', () => {
    const onA = editDoc(base, { caption: 'from a' }, stamp(10, 'a'));
    const onB = editDoc(base, { caption: 'from b' }, stamp(10, 'b'));
    expect(mergeOrThrow(onA, onB).fields.caption).toBe('from b');
    expect(mergeOrThrow(onB, onA).fields.caption).toBe('from b');
  });

  it('keeps a field only one side knows (a newer schema added it)', () => {
    const newer = { ...editDoc(base, { rating: 4 }, stamp(3, 'b')), schemaVersion: 2 };
    const merged = mergeOrThrow(base, newer);
    expect(merged.fields.rating).toBe(4);
    expect(merged.schemaVersion).toBe(2);
  });

  it('refuses to merge two different kinds of record', () => {
    const tag = createDoc('tag', 1, { name: 'x' }, stamp(1));
    expect(mergeDocs(base, tag)).toEqual({
      ok: false,
      error: { type: 'KindMismatch', localKind: 'photo', remoteKind: 'tag' },
    });
  });

  it('picks the same value on every replica when equal stamps carry different values', () => {
    const one = editDoc(base, { caption: 'one' }, stamp(10, 'a'));
    const two = editDoc(base, { caption: 'two' }, stamp(10, 'a'));
    expect(mergeOrThrow(one, two).fields.caption).toBe(mergeOrThrow(two, one).fields.caption);
  });

  it('is commutative, associative and idempotent for any edits', () => {
    const edit = fc.record({
      field: fc.constantFrom('caption', 'favourite', 'archived'),
      value: fc.oneof(fc.string(), fc.boolean()),
      wallMs: fc.integer({ min: 2, max: 50 }),
      node: fc.constantFrom('a', 'b', 'c'),
    });
    const docFrom = (edits: ReadonlyArray<{ field: string; value: unknown; wallMs: number; node: string }>) =>
      edits.reduce((doc, e) => editDoc(doc, { [e.field]: e.value }, stamp(e.wallMs, e.node)), base);
    fc.assert(
      fc.property(fc.array(edit), fc.array(edit), fc.array(edit), (ea, eb, ec) => {
        const [a, b, c] = [docFrom(ea), docFrom(eb), docFrom(ec)];
        expect(mergeOrThrow(a, b)).toEqual(mergeOrThrow(b, a));
        expect(mergeOrThrow(mergeOrThrow(a, b), c)).toEqual(mergeOrThrow(a, mergeOrThrow(b, c)));
        expect(mergeOrThrow(a, a)).toEqual(a);
      }),
    );
  });
});

describe('createHlcClock', () => {
  it('never goes backwards when the wall clock does', () => {
    let wall = 1000;
    const clock = createHlcClock('a', () => wall);
    const first = clock.now();
    wall = 500;
    const second = clock.now();
    expect(second > first).toBe(true);
  });

  it('orders a new edit after an edit seen from a device whose clock runs ahead', () => {
    const clock = createHlcClock('a', () => 1000);
    const remote = stamp(5000, 'b', 7);
    clock.observe(remote);
    expect(clock.now() > remote).toBe(true);
  });
});
