/**
 * @module A stand-in RecordCipher for engine tests that do not need real encryption: the "ciphertext" is the
 * plaintext behind an HMAC over the record's context, so tampering, swapping and replay under another version fail
 * to open exactly as with the real AEAD. It hides nothing; tests of real crypto use crypto/.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { err, ok } from '../../result';
import type { RecordCipher, RecordContext } from '../record-cipher';

const TAG_BYTES = 32;
const encoder = new TextEncoder();

const tagOf = (key: Uint8Array, context: RecordContext, plaintext: Uint8Array): Uint8Array => {
  const header = encoder.encode(`${context.collectionId}\0${context.recordId}\0${context.version}\0`);
  const message = new Uint8Array(header.length + plaintext.length);
  message.set(header);
  message.set(plaintext, header.length);
  return hmac(sha256, key, message);
};

export const createTestCipher = (key: Uint8Array = new Uint8Array(32).fill(1)): RecordCipher => ({
  seal(context, plaintext) {
    const out = new Uint8Array(TAG_BYTES + plaintext.length);
    out.set(tagOf(key, context, plaintext));
    out.set(plaintext, TAG_BYTES);
    return out;
  },
  open(context, ciphertext) {
    if (ciphertext.length < TAG_BYTES) return err({ type: 'DecryptFailed' });
    const plaintext = ciphertext.subarray(TAG_BYTES);
    const expected = tagOf(key, context, plaintext);
    let diff = 0;
    for (let i = 0; i < TAG_BYTES; i++) diff |= expected[i]! ^ ciphertext[i]!;
    return diff === 0 ? ok(plaintext.slice()) : err({ type: 'DecryptFailed' });
  },
});
