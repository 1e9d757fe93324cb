import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomBytes } from './bytes';
import { SALT_BYTES } from './formats';
import {
  type Argon2WorkerLike,
  checkKdfParams,
  createWorkerArgon2Runner,
  DEFAULT_KDF_PARAMS,
  deriveLoginKeys,
  handleArgon2Request,
  KDF_FLOOR,
  type KdfPhase,
} from './kdf';
import type { Salt } from './types';

const salt = randomBytes(SALT_BYTES) as Salt;
// The PBKDF2 floor is the cheapest params the floor allows (~0.1 s): used where the test is not about the params.
const floorPbkdf2 = { algorithm: 'pbkdf2-sha256', iterations: KDF_FLOOR.pbkdf2.minIterations } as const;

describe('KDF floor', () => {
  it('accepts the defaults and the floor itself', () => {
    expect(checkKdfParams(DEFAULT_KDF_PARAMS).ok).toBe(true);
    expect(
      checkKdfParams({ algorithm: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 1 }).ok,
    ).toBe(true);
    expect(checkKdfParams(floorPbkdf2).ok).toBe(true);
  });

  it('refuses any Argon2id params below the floor or outside sane bounds', () => {
    fc.assert(
      fc.property(
        fc.record({
          memoryKiB: fc.integer({ min: 1, max: 2 * 1024 * 1024 }),
          iterations: fc.integer({ min: 1, max: 40 }),
          parallelism: fc.integer({ min: 0, max: 64 }),
        }),
        (params) => {
          const weak =
            params.memoryKiB < 65536 ||
            params.memoryKiB > 1024 * 1024 ||
            params.iterations < 3 ||
            params.iterations > 20 ||
            params.parallelism < 1 ||
            params.parallelism > 16;
          const result = checkKdfParams({ algorithm: 'argon2id', ...params });
          expect(result.ok).toBe(!weak);
          if (!result.ok) expect(result.error.type).toBe('KdfParamsTooWeak');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses PBKDF2 below 600,000 iterations', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 599_999 }), (iterations) => {
        expect(checkKdfParams({ algorithm: 'pbkdf2-sha256', iterations })).toMatchObject({
          ok: false,
          error: { type: 'KdfParamsTooWeak' },
        });
      }),
    );
  });

  it('refuses unknown algorithms and malformed params', () => {
    expect(checkKdfParams({ algorithm: 'scrypt', n: 1 << 20 })).toEqual({
      ok: false,
      error: { type: 'KdfParamsUnsupported', algorithm: 'scrypt' },
    });
    for (const bad of [
      null,
      'argon2id',
      { algorithm: 'argon2id', memoryKiB: 65536.5, iterations: 3, parallelism: 1 },
    ]) {
      expect(checkKdfParams(bad).ok).toBe(false);
    }
  });

  it('refuses downgraded params before deriving anything', async () => {
    const phases: KdfPhase[] = [];
    const result = await deriveLoginKeys(
      'hunter2',
      salt,
      { algorithm: 'argon2id', memoryKiB: 8, iterations: 1, parallelism: 1 },
      {
        onProgress: (progress) => phases.push(progress.phase),
      },
    );
    expect(result).toMatchObject({ ok: false, error: { type: 'KdfParamsTooWeak' } });
    expect(phases).toEqual([]);
  });
});

describe('deriveLoginKeys', () => {
  it('derives the same keys from the same password and salt, and a distinct auth key and KEK', async () => {
    const a = await deriveLoginKeys('hunter2', salt, floorPbkdf2);
    const b = await deriveLoginKeys('hunter2', salt, floorPbkdf2);
    if (!a.ok || !b.ok) throw new Error('derivation failed');
    expect(a.value.keyEncryptionKey).toEqual(b.value.keyEncryptionKey);
    expect(a.value.authKey).toEqual(b.value.authKey);
    expect(a.value.authKey).not.toEqual(a.value.keyEncryptionKey);
    expect(a.value.authKey).toHaveLength(32);
  });

  it('gives a different auth key for another password or salt', async () => {
    const base = await deriveLoginKeys('hunter2', salt, floorPbkdf2);
    const otherPassword = await deriveLoginKeys('hunter3', salt, floorPbkdf2);
    const otherSalt = await deriveLoginKeys('hunter2', randomBytes(SALT_BYTES) as Salt, floorPbkdf2);
    if (!base.ok || !otherPassword.ok || !otherSalt.ok) throw new Error('derivation failed');
    expect(otherPassword.value.authKey).not.toEqual(base.value.authKey);
    expect(otherSalt.value.authKey).not.toEqual(base.value.authKey);
  });

  it('treats a password typed in composed or decomposed Unicode as the same password', async () => {
    const composed = await deriveLoginKeys('caf\u00e9', salt, floorPbkdf2);
    const decomposed = await deriveLoginKeys('cafe\u0301', salt, floorPbkdf2);
    if (!composed.ok || !decomposed.ok) throw new Error('derivation failed');
    expect(composed.value.authKey).toEqual(decomposed.value.authKey);
  });

  it('derives with Argon2id at the floor and reports its phases', async () => {
    const phases: KdfPhase[] = [];
    const result = await deriveLoginKeys(
      'hunter2',
      salt,
      { algorithm: 'argon2id', memoryKiB: KDF_FLOOR.argon2id.minMemoryKiB, iterations: 3, parallelism: 1 },
      { onProgress: (progress) => phases.push(progress.phase) },
    );
    expect(result.ok).toBe(true);
    expect(phases).toEqual(['deriving', 'splitting', 'done']);
  });

  it('returns Aborted and no keys when cancelled before or during derivation', async () => {
    const before = new AbortController();
    before.abort();
    expect(await deriveLoginKeys('hunter2', salt, floorPbkdf2, { signal: before.signal })).toEqual({
      ok: false,
      error: { type: 'Aborted' },
    });
    const during = new AbortController();
    const result = await deriveLoginKeys('hunter2', salt, floorPbkdf2, {
      signal: during.signal,
      onProgress: (progress) => {
        if (progress.phase === 'deriving') during.abort();
      },
    });
    expect(result).toEqual({ ok: false, error: { type: 'Aborted' } });
  });

  it('throws on misuse: an empty password or a salt of the wrong size', async () => {
    await expect(deriveLoginKeys('', salt, floorPbkdf2)).rejects.toThrow(/password/);
    await expect(deriveLoginKeys('x', randomBytes(8) as Salt, floorPbkdf2)).rejects.toThrow(/salt/);
  });
});

describe('Argon2id in a dedicated worker', () => {
  const floorArgon2 = {
    algorithm: 'argon2id',
    memoryKiB: KDF_FLOOR.argon2id.minMemoryKiB,
    iterations: 3,
    parallelism: 1,
  } as const;

  /** A worker on this thread, started `startDelayMs` after the request is posted (real workers: e2e/crypto-worker). */
  function inProcessWorker(startDelayMs: number) {
    const state = { terminated: false, spawned: 0 };
    const spawn = (): Argon2WorkerLike => {
      state.spawned++;
      const worker: Argon2WorkerLike = {
        onmessage: null,
        onerror: null,
        postMessage(request) {
          setTimeout(async () => {
            if (state.terminated) return;
            const response = await handleArgon2Request(request);
            if (!state.terminated) worker.onmessage?.({ data: response });
          }, startDelayMs);
        },
        terminate() {
          state.terminated = true;
        },
      };
      return worker;
    };
    return { state, runner: createWorkerArgon2Runner(spawn) };
  }

  it('derives exactly the keys the calling thread derives, and ends the worker', async () => {
    const { state, runner } = inProcessWorker(0);
    const inThread = await deriveLoginKeys('hunter2', salt, floorArgon2);
    const inWorker = await deriveLoginKeys('hunter2', salt, floorArgon2, { argon2Runner: runner });
    expect(inWorker).toEqual(inThread);
    expect(state).toEqual({ terminated: true, spawned: 1 });
  });

  it('on abort, terminates the worker and returns Aborted without waiting for the pass', async () => {
    const { state, runner } = inProcessWorker(50);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const result = await deriveLoginKeys('hunter2', salt, floorArgon2, {
      argon2Runner: runner,
      signal: controller.signal,
    });
    expect(result).toEqual({ ok: false, error: { type: 'Aborted' } });
    expect(state.terminated).toBe(true);
  });
});
