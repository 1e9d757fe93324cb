import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNameAllocator,
  listFiles,
  PARTIAL_PREFIX,
  removeLeftovers,
  SizeMismatchError,
  safeFileName,
  writeFileAtomically,
} from './export-files';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'halyon-export-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

describe('safeFileName', () => {
  it.each([
    ['IMG_0001.JPG', 'IMG_0001.JPG'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\Windows\\system.ini', 'system.ini'],
    ['/absolute/path.jpg', 'path.jpg'],
    ['photos/', 'photos'],
    ['..', 'fallback'],
    ['.', 'fallback'],
    ['', 'fallback'],
    ['.bashrc', 'bashrc'],
    ['...hidden.jpg', 'hidden.jpg'],
    ['\u001b[31mred\u001b[0m.jpg', '[31mred[0m.jpg'],
    ['line\nbreak\r.jpg', 'linebreak.jpg'],
    ['nul\u0000byte.jpg', 'nulbyte.jpg'],
    ['invoice\u202egpj.exe', 'invoicegpj.exe'],
    ['a<b>c:d"e|f?g*h.jpg', 'a_b_c_d_e_f_g_h.jpg'],
    ['trailing dots... ', 'trailing dots'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['com1.jpg', '_com1.jpg'],
    ['console.jpg', 'console.jpg'],
    ['Cafe\u0301.jpg', 'Café.jpg'],
  ])('%j becomes %j', (name, expected) => {
    expect(safeFileName(name, 'fallback')).toBe(expected);
  });

  it('cuts long names to 200 bytes of UTF-8, keeping the extension and whole characters', () => {
    const long = `${'é'.repeat(300)}.jpeg`;
    const safe = safeFileName(long, 'x');
    expect(utf8Bytes(safe)).toBeLessThanOrEqual(200);
    expect(safe.endsWith('é.jpeg')).toBe(true);
  });

  it('never answers a name that leaves the folder, hides, or carries a control character', () => {
    const base = resolve('/export');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (name) => {
        const safe = safeFileName(name, 'fallback');
        expect(safe.length).toBeGreaterThan(0);
        expect(utf8Bytes(safe)).toBeLessThanOrEqual(200);
        expect(safe).not.toMatch(/[/\\]/);
        expect(safe.startsWith('.')).toBe(false);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
        expect(safe).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        expect(resolve(base, safe)).toBe(join(base, safe));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('createNameAllocator', () => {
  it('suffixes names already taken on disk or in this run, ignoring case', () => {
    const next = createNameAllocator(['IMG_1.JPG', 'notes']);
    expect(next('img_1.jpg')).toBe('img_1 (2).jpg');
    expect(next('IMG_1.JPG')).toBe('IMG_1 (3).JPG');
    expect(next('notes')).toBe('notes (2)');
    expect(next('new.png')).toBe('new.png');
    expect(next('new.png')).toBe('new (2).png');
  });
});

describe('writeFileAtomically', () => {
  const chunks = async function* (parts: readonly string[], failAfter = Number.POSITIVE_INFINITY) {
    for (const [i, part] of parts.entries()) {
      if (i >= failAfter) throw new Error('decryption failed');
      yield new TextEncoder().encode(part);
    }
  };

  it('writes the whole file under the first free name, dated as asked', async () => {
    const folder = await mkdtemp(join(dir, 'ok-'));
    await writeFile(join(folder, 'a.jpg'), 'mine');
    const next = createNameAllocator([]);
    const name = await writeFileAtomically(folder, chunks(['hello ', 'world']), {
      size: 11,
      mtimeMs: Date.UTC(2020, 0, 2),
      nextName: () => next('a.jpg'),
    });
    // The allocator did not know a.jpg existed: linking refused to replace it, and the next name was taken.
    expect(name).toBe('a (2).jpg');
    expect(await readFile(join(folder, 'a.jpg'), 'utf8')).toBe('mine');
    expect(await readFile(join(folder, name), 'utf8')).toBe('hello world');
    expect((await stat(join(folder, name))).mtimeMs).toBe(Date.UTC(2020, 0, 2));
    expect((await readdir(folder)).sort()).toEqual(['a (2).jpg', 'a.jpg']);
  });

  it('leaves nothing behind when the stream fails or comes up short', async () => {
    const folder = await mkdtemp(join(dir, 'fail-'));
    const options = { size: 11, mtimeMs: 0, nextName: () => 'photo.jpg' };
    await expect(writeFileAtomically(folder, chunks(['hello ', 'world'], 1), options)).rejects.toThrow(
      'decryption failed',
    );
    await expect(writeFileAtomically(folder, chunks(['hello']), options)).rejects.toBeInstanceOf(
      SizeMismatchError,
    );
    expect(await readdir(folder)).toEqual([]);
  });

  it('removes the temporary files a crash left, and does not list them', async () => {
    const folder = await mkdtemp(join(dir, 'crash-'));
    await writeFile(join(folder, `${PARTIAL_PREFIX}1234`), 'half a photo');
    await writeFile(join(folder, 'kept.jpg'), 'x');
    expect([...(await listFiles(folder)).entries()]).toEqual([['kept.jpg', 1]]);
    await removeLeftovers(folder);
    expect(await readdir(folder)).toEqual(['kept.jpg']);
  });
});
