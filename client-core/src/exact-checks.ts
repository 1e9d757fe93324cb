/**
 * @module Exact checks of the zod rules our schemas use, written out as plain code: each answers "zod would accept
 * this value and give back an equal value" (false also when unsure: the caller then asks zod). Used by the record
 * kind checks (library/kind-check.ts) and the pull answer check (transport/pull-check.ts).
 * See: [Note: The kind check's fast path]
 */

export type Fields = Record<string, unknown>;

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
export const keyCount = (value: Fields): number => {
  let count = 0;
  for (const key in value) {
    if (key === '__proto__') return -1; // zod skips it; let zod judge
    count++;
  }
  return count;
};
/** Code points: a surrogate pair counts once (a lone surrogate counts as one). */
export const codePointLength = (text: string): number => {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    if ((text.charCodeAt(i) & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
};
/** At most `max` code points: only a string over it in UTF-16 units needs counting (as zod does). */
export const isText = (value: unknown, max: number): boolean =>
  typeof value === 'string' &&
  (value.length <= max || (value.length <= 2 * max && codePointLength(value) <= max));
/** Not empty (any non-empty string has a code point) and at most `max` code points. */
export const isNonEmptyText = (value: unknown, max: number): boolean =>
  isText(value, max) && (value as string).length >= 1;
export const isUuid = (value: unknown): boolean =>
  typeof value === 'string' && value.length === 36 && UUID_PATTERN.test(value);
export const isNullableUuid = (value: unknown): boolean => value === null || isUuid(value);
export const isBoolean = (value: unknown): boolean => value === true || value === false;
export const isInt = (value: unknown): boolean => Number.isSafeInteger(value);
export const isNullableInt = (value: unknown): boolean => value === null || Number.isSafeInteger(value);
export const isNonNegativeInt = (value: unknown): boolean =>
  Number.isSafeInteger(value) && (value as number) >= 0;
export const isNonNegative = (value: unknown): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;
export const isInRange = (value: unknown, min: number, max: number): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * zod 4's `z.base64()`: its character pattern, a length that is a multiple of 4, and `atob` succeeding, which
 * with at most two `=` and such a length it always does. (A regex: on fresh ~900-character ciphertexts it is about
 * as fast as a loop over the characters, ~7 µs each, and it is zod's own rule.)
 */
export const isBase64 = (value: unknown): boolean =>
  typeof value === 'string' && value.length % 4 === 0 && BASE64_PATTERN.test(value);
