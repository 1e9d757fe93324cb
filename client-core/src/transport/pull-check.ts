/**
 * @module Exact checks of pull answers (protocol PullResponse and WireRecord), run before the zod schemas: a pull
 * of 100,000 records spent more time in zod's generic walk (a whitespace regex and `atob` per ciphertext, a copy
 * of every object) than in reading the JSON. True only when zod would accept the value and give back an equal
 * one; otherwise zod decides and gives the reason. See: [Note: The kind check's fast path]
 */
import type { PullResponse, WireRecord } from '@halyon/protocol';
import {
  type Fields,
  isBase64,
  isBoolean,
  isNonNegativeInt,
  isObject,
  isUuid,
  keyCount,
} from '../exact-checks';

const MAX_VERSION = 2_147_483_647;

/** protocol Seq: a non-negative safe integer. */
const isSeq = isNonNegativeInt;

const isUuidArray = (value: unknown): boolean => {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (!isUuid(item)) return false;
  return true;
};

export const isWireRecord = (value: unknown): value is WireRecord =>
  isObject(value) &&
  isUuid(value.collectionId) &&
  isUuid(value.recordId) &&
  isNonNegativeInt(value.version) &&
  (value.version as number) <= MAX_VERSION &&
  isSeq(value.seq) &&
  isBoolean(value.deleted) &&
  (value.ciphertext === null || isBase64(value.ciphertext)) &&
  isUuidArray(value.blobIds) &&
  isNonNegativeInt(value.updatedAt) &&
  keyCount(value) === 8;

/** protocol `z.record(Uuid, Seq)`. */
const isCursors = (value: unknown): value is Record<string, number> => {
  if (!isObject(value)) return false;
  for (const key in value) {
    if (!isUuid(key) || !isSeq(value[key])) return false;
  }
  return true;
};

/** The fields of a pull answer but its changes: epoch, cursors, hasMore, and `extra` keys more. */
export const isPullHead = (value: Fields, extra: number): boolean =>
  isUuid(value.epoch) &&
  isCursors(value.cursors) &&
  isBoolean(value.hasMore) &&
  keyCount(value) === 3 + extra;

export const isPullResponse = (value: unknown): value is PullResponse => {
  if (!isObject(value) || !Array.isArray(value.changes) || !isPullHead(value, 1)) return false;
  for (const change of value.changes) if (!isWireRecord(change)) return false;
  return true;
};
