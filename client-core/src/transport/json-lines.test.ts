import { PullResponse } from '@halyon/protocol';
import { pullAnswerText } from '@halyon/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PullHead } from '../sync/transport';
import { readJsonAnswer } from './fetch-transport';
import { readPullAnswer } from './json-lines';

const base64 = fc.uint8Array({ maxLength: 30 }).map((bytes) => Buffer.from(bytes).toString('base64'));
const answer = fc.record({
  epoch: fc.uuid(),
  changes: fc.array(
    fc.record({
      collectionId: fc.uuid(),
      recordId: fc.uuid(),
      version: fc.nat({ max: 1000 }),
      seq: fc.nat(),
      deleted: fc.boolean(),
      ciphertext: fc.option(base64, { nil: null }),
      blobIds: fc.array(fc.uuid(), { maxLength: 2 }),
      updatedAt: fc.nat(),
    }),
    { maxLength: 5 },
  ),
  cursors: fc.dictionary(fc.uuid(), fc.nat(), { maxKeys: 2 }),
  hasMore: fc.boolean(),
});

/** A 200 JSON response whose body arrives in the given pieces (split anywhere, even inside a character). */
const responseOf = (bytes: Uint8Array, cuts: readonly number[] = []) => {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.slice(start, point));
    start = point;
  }
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
  return new Response(stream, { status: 200, headers: { 'content-type': 'application/json' } });
};

const encode = (text: string) => new TextEncoder().encode(text);

/** One edit of the text: a character dropped, doubled or put in, most often one the layout depends on. */
const edited = (text: string) =>
  fc
    .tuple(
      fc.nat({ max: Math.max(0, text.length - 1) }),
      fc.constantFrom('drop', 'double', 'insert'),
      fc.constantFrom('\n', ',', ']', '}', '[', ' ', '"', 'x', '\r', 'é'),
    )
    .map(([at, how, char]) =>
      how === 'drop'
        ? text.slice(0, at) + text.slice(at + 1)
        : how === 'double'
          ? text.slice(0, at) + text.slice(at, at + 1) + text.slice(at)
          : text.slice(0, at) + char + text.slice(at),
    );

describe('reading a pull answer line by line', () => {
  it("reads the server's layout, in any pieces, exactly as JSON.parse and the schema do, head first", async () => {
    await fc.assert(
      fc.asyncProperty(answer, fc.array(fc.nat(), { maxLength: 6 }), async (value, cuts) => {
        const text = pullAnswerText(value);
        const heads: PullHead[] = [];
        const read = await readPullAnswer(responseOf(encode(text), cuts), (head) => heads.push(head));
        expect(read).toEqual(await readJsonAnswer(responseOf(encode(text)), PullResponse));
        expect(read.ok).toBe(true);
        expect(heads).toEqual([{ epoch: value.epoch, cursors: value.cursors, hasMore: value.hasMore }]);
      }),
      { numRuns: 300 },
    );
  });

  it('answers as a whole-body read does for any body one edit away from the layout', async () => {
    await fc.assert(
      fc.asyncProperty(
        answer.chain((value) => edited(pullAnswerText(value))),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (text, cuts) => {
          const heads: PullHead[] = [];
          const read = await readPullAnswer(responseOf(encode(text), cuts), (head) => heads.push(head));
          const whole = await readJsonAnswer(responseOf(encode(text)), PullResponse);
          if (!read.ok && whole.ok) {
            // Refused only where the text after the head contradicts the head already handed out.
            expect(heads).toHaveLength(1);
            expect(read.error).toMatchObject({ reason: 'the answer contradicts its first line' });
          } else expect(read).toEqual(whole);
          if (read.ok && heads.length > 0) {
            const { epoch, cursors, hasMore } = read.value;
            expect(heads).toEqual([{ epoch, cursors, hasMore }]);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses an answer whose later text contradicts the head it already handed out', async () => {
    const value = { epoch: '00000000-0000-4000-8000-0000000e0001', changes: [], cursors: {}, hasMore: true };
    const text = pullAnswerText(value).replace(/\]\}$/, '],"hasMore":false}');
    const heads: PullHead[] = [];
    const read = await readPullAnswer(responseOf(encode(text)), (head) => heads.push(head));
    expect(heads).toHaveLength(1);
    expect(read).toMatchObject({ ok: false, error: { type: 'InvalidResponse' } });
  });

  it('hands out the head before the rest of the body has arrived', async () => {
    const value = { epoch: '00000000-0000-4000-8000-0000000e0001', changes: [], cursors: {}, hasMore: true };
    const [first, ...rest] = pullAnswerText(value).split(/(?<=\n)/);
    let release = () => {};
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encode(first!));
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        controller.enqueue(encode(rest.join('')));
        controller.close();
      },
    });
    const response = new Response(stream, { status: 200, headers: { 'content-type': 'application/json' } });
    const head = new Promise<PullHead>((resolve) => {
      void readPullAnswer(response, resolve);
    });
    expect(await head).toEqual({ epoch: value.epoch, cursors: {}, hasMore: true });
    release();
  });
});
