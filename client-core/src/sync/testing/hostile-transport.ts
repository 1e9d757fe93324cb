/**
 * @module A man-in-the-middle for tests: wraps a transport and lets a test rewrite the server's answers (tamper,
 * replay, swap, roll back), the way a malicious server could.
 */
import type { PullResponse, PushResponse, ReconcileResponse } from '@halyon/protocol';
import { ok } from '../../result';
import type { Transport } from '../transport';

export interface Rewrites {
  pull?: (answer: PullResponse) => PullResponse;
  push?: (answer: PushResponse) => PushResponse;
  reconcile?: (answer: ReconcileResponse) => ReconcileResponse;
}

export const createHostileTransport = (inner: Transport, rewrites: Rewrites): Transport => ({
  ...inner,
  pull: async (request) => {
    const answer = await inner.pull(request);
    return answer.ok && rewrites.pull ? ok(rewrites.pull(answer.value)) : answer;
  },
  push: async (request) => {
    const answer = await inner.push(request);
    return answer.ok && rewrites.push ? ok(rewrites.push(answer.value)) : answer;
  },
  reconcile: async (request) => {
    const answer = await inner.reconcile(request);
    return answer.ok && rewrites.reconcile ? ok(rewrites.reconcile(answer.value)) : answer;
  },
});

/** Flips one bit in the middle of a base64 ciphertext, keeping it valid base64. */
export const flipBit = (ciphertext: string): string => {
  const bytes = Buffer.from(ciphertext, 'base64');
  const middle = Math.floor(bytes.length / 2);
  bytes[middle] = bytes[middle]! ^ 1;
  return bytes.toString('base64');
};
