/**
 * @module Writing decrypted originals into a folder the user chose: names made safe, collisions suffixed, and each
 * file written whole or not at all.
 *
 * [Note: Exported file names]
 * A photo's file name is data from any device of the account (or, once albums are shared, another member), so it
 * is treated as hostile: only its last path segment is kept, control and bidirectional-override characters are
 * dropped, characters other systems forbid become "_", leading dots (hidden files, "." and "..") and trailing dots
 * and spaces go, Windows device names get a "_" prefix, and it is cut to 200 UTF-8 bytes keeping its extension. The
 * result is a plain name inside the folder; `safeFileName` is checked against a corpus of hostile names in its test.
 * (npm's sanitize-filename keeps leading dots and bidi overrides; filenamify does the same; hence our own.)
 *
 * [Note: Atomic export]
 * A file is decrypted into `.halyon-partial-<uuid>` in the target folder (same file system, so the final step is a
 * rename), its length checked, flushed, dated with the photo's date, then linked under its final name (link fails
 * rather than replace a file that appeared meanwhile) and the temporary name removed. A decryption error, a lost
 * connection or Ctrl-C removes the temporary file: partial plaintext never carries a photo's name, and a crash
 * leaves only a `.halyon-partial-*` file, which the next export into that folder removes.
 */
import { randomUUID } from 'node:crypto';
import { link, lstat, open, readdir, rename, rm, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';

const MAX_NAME_BYTES = 200;
export const PARTIAL_PREFIX = '.halyon-partial-';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const FORBIDDEN_ELSEWHERE = /[<>:"|?*]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;

const utf8 = new TextEncoder();

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
const cutToBytes = (text: string, maxBytes: number): string => {
  let out = '';
  let bytes = 0;
  for (const char of text) {
    bytes += utf8.encode(char).length;
    if (bytes > maxBytes) break;
    out += char;
  }
  return out;
};

/** A name from another device as a plain file name inside the target folder. See: [Note: Exported file names] */
export const safeFileName = (name: string, fallback: string): string => {
  const lastSegment =
    name
      .split(/[/\\]/)
      .filter((part) => part.length > 0)
      .at(-1) ?? '';
  let safe = lastSegment
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(FORBIDDEN_ELSEWHERE, '_')
    .trim()
    .replace(/^\.+/, '')
    .replace(/[. ]+$/, '');
  if (WINDOWS_DEVICE.test(safe)) safe = `_${safe}`;
  if (utf8.encode(safe).length > MAX_NAME_BYTES) {
    const dot = safe.lastIndexOf('.');
    const ext = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : '';
    safe =
      cutToBytes(safe.slice(0, safe.length - ext.length), MAX_NAME_BYTES - utf8.encode(ext).length) + ext;
  }
  return safe.length > 0 ? safe : fallback;
};

/** Hands out names not yet used in a folder ("IMG_1.JPG", "IMG_1 (2).JPG"), compared without case. */
export const createNameAllocator = (taken: Iterable<string>) => {
  const used = new Set([...taken].map((name) => name.toLowerCase()));
  return (name: string): string => {
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let candidate = name;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
    used.add(candidate.toLowerCase());
    return candidate;
  };
};

/** The regular files in `dir` by name, with their sizes (symbolic links are not followed, nor counted). */
export const listFiles = async (dir: string): Promise<Map<string, number>> => {
  const files = new Map<string, number>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(PARTIAL_PREFIX)) continue;
    const info = await lstat(join(dir, entry.name)).catch(() => null);
    files.set(entry.name, info?.isFile() ? info.size : -1);
  }
  return files;
};

/** Removes the temporary files an export that crashed left behind. */
export const removeLeftovers = async (dir: string): Promise<void> => {
  for (const name of await readdir(dir)) {
    if (name.startsWith(PARTIAL_PREFIX)) await rm(join(dir, name), { force: true });
  }
};

export class SizeMismatchError extends Error {}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Writes `chunks` (exactly `size` bytes) into `dir` under the first free name `nextName()` gives, dated `mtimeMs`,
 * and answers the name. See: [Note: Atomic export]
 */
export const writeFileAtomically = async (
  dir: string,
  chunks: AsyncIterable<Uint8Array>,
  { size, mtimeMs, nextName }: { size: number; mtimeMs: number; nextName: () => string },
): Promise<string> => {
  const temporary = join(dir, `${PARTIAL_PREFIX}${randomUUID()}`);
  try {
    const file = await open(temporary, 'wx', 0o600);
    try {
      let written = 0;
      for await (const chunk of chunks) {
        await file.write(chunk);
        written += chunk.length;
      }
      if (written !== size) throw new SizeMismatchError(`${written} bytes where ${size} were expected`);
      await file.sync();
    } finally {
      await file.close();
    }
    const seconds = mtimeMs / 1000;
    await utimes(temporary, seconds, seconds);
    for (;;) {
      const name = nextName();
      try {
        await link(temporary, join(dir, name));
        await unlink(temporary);
        return name;
      } catch (cause) {
        const code = (cause as NodeJS.ErrnoException).code ?? '';
        if (code === 'EEXIST') continue;
        if (!LINK_UNSUPPORTED.has(code)) throw cause;
        // A file system without hard links (FAT, some network shares): rename, having checked the name is free.
        if (
          await lstat(join(dir, name)).then(
            () => true,
            () => false,
          )
        )
          continue;
        await rename(temporary, join(dir, name));
        return name;
      }
    }
  } finally {
    await rm(temporary, { force: true });
  }
};
