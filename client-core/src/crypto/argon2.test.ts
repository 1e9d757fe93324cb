import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { argon2id, prepareArgon2id } from './argon2';
import { ARGON2_WASM_BASE64, ARGON2_WASM_SHA256 } from './argon2-wasm';
import { bytesToHex, utf8ToBytes } from './bytes';

const salt = utf8ToBytes('somesalt');

describe('Argon2id (reference implementation, WebAssembly)', () => {
  it('runs the module the installed package ships (run scripts/inline-argon2-wasm.mjs after an upgrade)', async () => {
    const shipped = await readFile(createRequire(import.meta.url).resolve('@phi-ag/argon2/argon2.wasm'));
    const inlined = Buffer.from(ARGON2_WASM_BASE64, 'base64');
    expect(createHash('sha256').update(inlined).digest('hex')).toBe(ARGON2_WASM_SHA256);
    expect(inlined.equals(shipped)).toBe(true);
  });

  // Known answers from hash-wasm, an independent implementation. A wrapper that took the password's UTF-16 length
  // as its byte length (the package's own does) would hash a prefix and miss them.
  it('hashes a non-ASCII password by all of its UTF-8 bytes, with one lane and with four', async () => {
    const password = utf8ToBytes('pässwörd ✓ 密码');
    const oneLane = await argon2id(password, salt, { memoryKiB: 256, iterations: 2, parallelism: 1 }, 32);
    expect(bytesToHex(oneLane)).toBe('fe8eb1baea19b329e9a0f98db299e53c1394f96955015f284c4938cc83a7fd5d');
    const fourLanes = await argon2id(password, salt, { memoryKiB: 1024, iterations: 3, parallelism: 4 }, 32);
    expect(bytesToHex(fourLanes)).toBe('827a45ffa7a3b9c49145453791be6d3698540c89e4171888ad336d870a4e7991');
  });

  it('leaves the caller’s password as it was and answers a fresh array each time', async () => {
    const password = utf8ToBytes('hunter2');
    const params = { memoryKiB: 64, iterations: 1, parallelism: 1 };
    const first = await argon2id(password, salt, params, 32);
    const second = await argon2id(password, salt, params, 32);
    expect(password).toEqual(utf8ToBytes('hunter2'));
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
  });

  // Page faults, not time: 64 MiB of fresh memory is ~16,000 of them. See: [Note: Argon2 memory is faulted in ahead]
  it('finds the memory a prepared derivation needs already faulted in, and derives the same', async () => {
    const password = utf8ToBytes('hunter2');
    const params = { memoryKiB: 64 * 1024, iterations: 1, parallelism: 1 };
    const faultsDuring = async (work: () => Promise<unknown>) => {
      const before = process.resourceUsage().minorPageFault;
      await work();
      return process.resourceUsage().minorPageFault - before;
    };
    let unprepared: Uint8Array = new Uint8Array();
    const coldFaults = await faultsDuring(async () => {
      unprepared = await argon2id(password, salt, { ...params, memoryKiB: 32 * 1024 }, 32);
    });
    expect(coldFaults).toBeGreaterThan(6_000);

    await prepareArgon2id(params.memoryKiB);
    let prepared: Uint8Array = new Uint8Array();
    const warmFaults = await faultsDuring(async () => {
      prepared = await argon2id(password, salt, params, 32);
    });
    expect(warmFaults).toBeLessThan(1_500);
    expect(prepared).not.toEqual(unprepared);
    expect(await argon2id(password, salt, { ...params, memoryKiB: 32 * 1024 }, 32)).toEqual(unprepared);
  });

  it('throws the implementation’s reason for params it refuses', async () => {
    await expect(
      argon2id(utf8ToBytes('x'), salt, { memoryKiB: 4, iterations: 1, parallelism: 1 }, 32),
    ).rejects.toThrow(/^argon2id: Memory cost is too small$/);
    await expect(
      argon2id(utf8ToBytes('x'), utf8ToBytes('short'), { memoryKiB: 64, iterations: 1, parallelism: 1 }, 32),
    ).rejects.toThrow(/^argon2id: Salt is too short$/);
  });
});
