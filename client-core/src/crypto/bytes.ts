/**
 * @module Byte helpers shared by every primitive: input checks, randomness, encodings, constant-time compare,
 * zeroing. No crypto library is imported here; randomness comes from WebCrypto's CSPRNG.
 */
import { CryptoInputError } from './errors';

/** Throws CryptoInputError unless `value` is a Uint8Array of exactly `length` bytes (any length if omitted). */
export function assertBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CryptoInputError(`${name} must be a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new CryptoInputError(`${name} must be ${length} bytes, got ${value.length}`);
  }
}

export function assertUint32(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new CryptoInputError(`${name} must be an integer in [0, 2^32)`);
  }
}

// UTF-8 takes at most 3 bytes per UTF-16 unit, so short strings (every id) skip the encoding.
const isOverUtf8Bytes = (text: string, maxBytes: number): boolean =>
  text.length * 3 > maxBytes && utf8ToBytes(text).length > maxBytes;

export function assertNonEmptyString(value: unknown, name: string, maxBytes = 255): asserts value is string {
  // No closure per call: records check two ids each, and tsx names every closure it creates.
  if (typeof value !== 'string' || value.length === 0 || isOverUtf8Bytes(value, maxBytes)) {
    throw new CryptoInputError(`${name} must be a non-empty string of at most ${maxBytes} UTF-8 bytes`);
  }
}

const MAX_RANDOM_CALL = 65536; // getRandomValues refuses more per call

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += MAX_RANDOM_CALL) {
    crypto.getRandomValues(out.subarray(offset, offset + MAX_RANDOM_CALL));
  }
  return out;
}

/** Overwrites secret bytes in place. JS gives no guarantee about copies the engine made, but this is the best we have. */
export function zeroize(...secrets: ReadonlyArray<Uint8Array | undefined>): void {
  for (const secret of secrets) secret?.fill(0);
}

/** Compares without an early exit, so the time taken does not reveal where two MACs differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(...parts: ReadonlyArray<Uint8Array>): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8ToBytes = (text: string): Uint8Array => encoder.encode(text);

/** Throws TypeError on invalid UTF-8; callers decode only authenticated bytes. */
export const bytesToUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes);

export function u32be(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

export function u64be(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

/** Standard base64 with padding (RFC 4648 section 4), the wire encoding of every byte string. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Returns undefined for anything that is not canonical standard base64. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !BASE64.test(text)) return undefined;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  // Reject non-canonical encodings (non-zero unused bits) so one byte string has exactly one text form.
  return bytesToBase64(out) === text ? out : undefined;
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new CryptoInputError('invalid hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * WebCrypto's typings want ArrayBuffer-backed views; our Uint8Arrays always are, but TypeScript 5.7+ types them
 * as possibly SharedArrayBuffer-backed. This narrows the type without copying.
 */
export const asBufferSource = (bytes: Uint8Array): Uint8Array<ArrayBuffer> =>
  bytes as Uint8Array<ArrayBuffer>;
