/**
 * @module Standard base64 (with padding) for record ciphertext on the wire: an initial sync converts about 100,000
 * records. The platform's native codec where there is one (Node's Buffer, `Uint8Array.fromBase64` in newer
 * browsers; several times faster), else a portable table-driven one.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export const portableBytesToBase64 = (bytes: Uint8Array): string => {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${ALPHABET[n >> 18]!}${ALPHABET[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${ALPHABET[n >> 18]!}${ALPHABET[(n >> 12) & 63]!}${ALPHABET[(n >> 6) & 63]!}=`;
  }
  return out;
};

/** Input comes from a response the protocol schema already checked as base64; a bad character is a bug. */
export const portableBase64ToBytes = (text: string): Uint8Array => {
  if (text.length % 4 !== 0) throw new RangeError('base64 length must be a multiple of 4');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const a = DECODE[text.charCodeAt(i)] ?? -1;
    const b = DECODE[text.charCodeAt(i + 1)] ?? -1;
    const c = text[i + 2] === '=' ? 0 : (DECODE[text.charCodeAt(i + 2)] ?? -1);
    const d = text[i + 3] === '=' ? 0 : (DECODE[text.charCodeAt(i + 3)] ?? -1);
    if ((a | b | c | d) < 0) throw new RangeError('invalid base64');
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
};

interface NodeBuffer {
  from(text: string, encoding: 'base64'): Uint8Array;
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64'): string };
}
const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;
const fromBase64 = (Uint8Array as { fromBase64?: (text: string) => Uint8Array }).fromBase64;

export const bytesToBase64: (bytes: Uint8Array) => string = nodeBuffer
  ? (bytes) => nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')
  : portableBytesToBase64;

/** Input comes from a response the protocol schema already checked as base64; a bad character is a bug. */
export const base64ToBytes: (text: string) => Uint8Array = fromBase64
  ? (text) => fromBase64.call(Uint8Array, text)
  : nodeBuffer
    ? (text) => {
        // A copy: small Buffers share one pooled ArrayBuffer, which IndexedDB would clone whole.
        const bytes = new Uint8Array(nodeBuffer.from(text, 'base64'));
        // Node's decoder skips bad characters silently, so the output comes up short: then the portable codec
        // throws as it would. (Cheaper than a regex over every ciphertext.)
        const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
        const valid = text.length % 4 === 0 && bytes.length === (text.length / 4) * 3 - padding;
        return valid ? bytes : portableBase64ToBytes(text);
      }
    : portableBase64ToBytes;
