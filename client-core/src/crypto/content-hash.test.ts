import { describe, expect, it } from 'vitest';
import { randomBytes } from './bytes';
import { contentHashOf, createContentHasher, deriveContentHashKey } from './content-hash';
import type { MasterKey } from './types';

const file = Uint8Array.from({ length: 2.5 * 1024 * 1024 }, (_, i) => (i * 7) & 0xff);
const key = await deriveContentHashKey(randomBytes(32) as MasterKey);

describe('keyed content hash', () => {
  it('is the same however the file is cut into pieces', async () => {
    const whole = await contentHashOf(key, [file]);
    const cuts = [file.subarray(0, 1), file.subarray(1, 1_500_000), file.subarray(1_500_000)];
    expect(await contentHashOf(key, cuts)).toEqual(whole);
    const hasher = createContentHasher(key);
    for (let offset = 0; offset < file.length; offset += 300_000)
      await hasher.update(file.subarray(offset, offset + 300_000));
    expect(await hasher.digest()).toEqual(whole);
  });

  it('differs for another user (another master key) and for any other content', async () => {
    const whole = await contentHashOf(key, [file]);
    const otherKey = await deriveContentHashKey(randomBytes(32) as MasterKey);
    expect(await contentHashOf(otherKey, [file])).not.toEqual(whole);
    const changed = file.slice();
    changed[2_000_000]! ^= 1;
    expect(await contentHashOf(key, [changed])).not.toEqual(whole);
    expect(await contentHashOf(key, [file, new Uint8Array(1)])).not.toEqual(whole);
  });

  it('cannot be used after digest', async () => {
    const hasher = createContentHasher(key);
    await hasher.digest();
    await expect(hasher.update(new Uint8Array(1))).rejects.toThrow(/finished/);
  });
});
