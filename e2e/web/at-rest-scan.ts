// Code inside page.evaluate runs in the browser: it needs the DOM types, which the e2e package leaves out.
/// <reference lib="dom" />

/**
 * @module Looks for a marker string wherever a web client and the server keep data: the page's storage (every
 * IndexedDB database, store and value, binary included; Cache Storage, which is also where the service worker
 * caches; Web Storage), files on disk, and the server's database tables. Each scanner answers with a list of
 * places the marker was found (empty = clean), matching the marker as UTF-8 and as UTF-16LE bytes (how V8 and
 * Chromium store two-byte strings).
 */

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { openDatabase } from '../../server/src/db/database';
import type { Database } from '../../server/src/db/schema';

const encodings = (marker: string): Buffer[] => [Buffer.from(marker, 'utf8'), Buffer.from(marker, 'utf16le')];

export const bytesContain = (bytes: Uint8Array, marker: string): boolean => {
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return encodings(marker).some((needle) => haystack.includes(needle));
};

/** Every file under `dir` (recursively) whose bytes contain the marker. */
export const scanDirectory = async (dir: string, marker: string): Promise<string[]> => {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path).catch(() => null); // sockets, files gone meanwhile
    if (bytes && bytesContain(bytes, marker)) hits.push(path);
  }
  return hits;
};

/**
 * Every row of every table in the server's database (PGlite in `${dataDir}/pglite`, or DATABASE_URL) whose
 * values contain the marker, as `table: column`. The server must be stopped first (PGlite has one owner).
 */
export const scanDatabase = async (dataDir: string, marker: string): Promise<string[]> => {
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir });
  const hits: string[] = [];
  try {
    for (const table of await database.db.introspection.getTables()) {
      const rows = await database.db
        .selectFrom(table.name as keyof Database)
        .selectAll()
        .execute();
      for (const row of rows as Record<string, unknown>[])
        for (const [column, value] of Object.entries(row)) {
          const bytes =
            value instanceof Uint8Array ? value : Buffer.from(JSON.stringify(value) ?? '', 'utf8');
          if (bytesContain(bytes, marker)) hits.push(`${table.name}: ${column}`);
        }
    }
  } finally {
    await database.close();
  }
  return hits;
};

/**
 * Every place in the page's origin storage holding the marker: IndexedDB (`db/store`, keys and values, walking
 * objects, arrays, Maps, Sets, typed arrays, ArrayBuffers and Blobs), Cache Storage (`cache/url`, request URL and
 * response body) and Web Storage.
 */
export const scanPageStorage = (page: Page, marker: string): Promise<string[]> =>
  page.evaluate(async (needle) => {
    const utf16le = new Uint8Array(needle.length * 2);
    for (let i = 0; i < needle.length; i++) utf16le[i * 2] = needle.charCodeAt(i); // the marker is ASCII
    const needles = [new TextEncoder().encode(needle), utf16le];
    const bytesHold = (bytes: Uint8Array) =>
      needles.some((n) => {
        outer: for (let i = 0; i + n.length <= bytes.length; i++) {
          for (let j = 0; j < n.length; j++) if (bytes[i + j] !== n[j]) continue outer;
          return true;
        }
        return false;
      });
    const holds = async (value: unknown, seen = new Set<unknown>()): Promise<boolean> => {
      if (typeof value === 'string') return value.includes(needle);
      if (value === null || typeof value !== 'object' || seen.has(value)) return false;
      seen.add(value);
      if (value instanceof Blob) return bytesHold(new Uint8Array(await value.arrayBuffer()));
      if (value instanceof ArrayBuffer) return bytesHold(new Uint8Array(value));
      if (ArrayBuffer.isView(value))
        return bytesHold(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      const parts =
        value instanceof Map
          ? [...value.entries()].flat()
          : value instanceof Set
            ? [...value]
            : Object.entries(value).flat();
      for (const part of parts) if (await holds(part, seen)) return true;
      return false;
    };
    const request = <T>(r: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });

    const hits: string[] = [];
    for (const info of await indexedDB.databases()) {
      const db = await request(indexedDB.open(info.name!));
      for (const storeName of db.objectStoreNames) {
        const store = db.transaction(storeName, 'readonly').objectStore(storeName);
        const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
        if ((await holds(keys)) || (await holds(values))) hits.push(`IndexedDB ${info.name}/${storeName}`);
      }
      db.close();
    }
    for (const cacheName of await caches.keys()) {
      const cache = await caches.open(cacheName);
      for (const cached of await cache.keys()) {
        const body = await (await cache.match(cached))?.arrayBuffer();
        if (cached.url.includes(needle) || (body && bytesHold(new Uint8Array(body))))
          hits.push(`Cache Storage ${cacheName}/${cached.url}`);
      }
    }
    for (const [name, storage] of [
      ['localStorage', localStorage],
      ['sessionStorage', sessionStorage],
    ] as const)
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i)!;
        if (key.includes(needle) || storage.getItem(key)!.includes(needle)) hits.push(`${name} ${key}`);
      }
    return hits;
  }, marker);
