/**
 * @module Password KDF (Argon2id from argon2.ts, PBKDF2-SHA256 via WebCrypto), its floor, and HKDF-SHA256.
 *
 * [Note: KDF floor]
 * The server hands out the KDF params at prelogin, so a malicious server could send weak ones to make an offline
 * guess of the password cheap. Params are checked against KDF_FLOOR *before* the password touches any KDF, and
 * anything weaker, absurdly large (a denial of service on the device) or unknown is refused as a value.
 *
 * [Note: KDF progress and cancel]
 * The Argon2 module runs all passes inside one WASM call (argon2_hash) with no hook between passes, so a pass
 * on the calling thread can neither report progress nor stop. Two runners exist:
 *   - the default runs on the calling thread (Node, CLI, tests): progress at phase boundaries only, and the
 *     AbortSignal is honoured before and after the pass (an aborted derivation never returns a key);
 *   - createWorkerArgon2Runner runs each derivation in a dedicated worker (argon2-worker.ts), reports an estimated
 *     fraction while it runs (from the params and a measured cost per KiB-pass) and cancels by terminating the
 *     worker, which stops the WASM mid-pass and frees its memory at once. The web worker's composition root
 *     injects it. PBKDF2 is one WebCrypto call, already off the JS thread, and cannot be interrupted.
 */
import type { KdfParams } from '@halyon/protocol';
import { err, ok, type Result } from '../result';
import { argon2id, prepareArgon2id } from './argon2';
import { asBufferSource, assertBytes, utf8ToBytes, zeroize } from './bytes';
import { type Aborted, aborted, CryptoInputError, type KdfParamsRejected } from './errors';
import { KEY_BYTES, LABELS, SALT_BYTES } from './formats';
import type { AuthKey, KeyEncryptionKey, RootKey, Salt } from './types';

export type { KdfParams };

/** What new vaults use: measured ~0.35 s on this machine (docs/crypto.md). */
export const DEFAULT_KDF_PARAMS: KdfParams = Object.freeze({
  algorithm: 'argon2id',
  memoryKiB: 128 * 1024,
  iterations: 3,
  parallelism: 1,
});

export const KDF_FLOOR = Object.freeze({
  argon2id: {
    minMemoryKiB: 64 * 1024,
    maxMemoryKiB: 1024 * 1024,
    minIterations: 3,
    maxIterations: 20,
    minParallelism: 1,
    maxParallelism: 16,
  },
  pbkdf2: { minIterations: 600_000, maxIterations: 10_000_000 },
});

const tooWeak = (reason: string): KdfParamsRejected => ({ type: 'KdfParamsTooWeak', reason });

const isIntegerIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** Accepts only params at or above the floor and within sane bounds. See: [Note: KDF floor] */
export function checkKdfParams(params: unknown): Result<KdfParams, KdfParamsRejected> {
  if (typeof params !== 'object' || params === null) return err(tooWeak('params missing'));
  const candidate = params as Record<string, unknown>;
  switch (candidate.algorithm) {
    case 'argon2id': {
      const floor = KDF_FLOOR.argon2id;
      if (!isIntegerIn(candidate.memoryKiB, floor.minMemoryKiB, floor.maxMemoryKiB)) {
        return err(tooWeak(`argon2id memoryKiB must be in [${floor.minMemoryKiB}, ${floor.maxMemoryKiB}]`));
      }
      if (!isIntegerIn(candidate.iterations, floor.minIterations, floor.maxIterations)) {
        return err(
          tooWeak(`argon2id iterations must be in [${floor.minIterations}, ${floor.maxIterations}]`),
        );
      }
      if (!isIntegerIn(candidate.parallelism, floor.minParallelism, floor.maxParallelism)) {
        return err(
          tooWeak(`argon2id parallelism must be in [${floor.minParallelism}, ${floor.maxParallelism}]`),
        );
      }
      return ok({
        algorithm: 'argon2id',
        memoryKiB: candidate.memoryKiB,
        iterations: candidate.iterations,
        parallelism: candidate.parallelism,
      });
    }
    case 'pbkdf2-sha256': {
      const floor = KDF_FLOOR.pbkdf2;
      if (!isIntegerIn(candidate.iterations, floor.minIterations, floor.maxIterations)) {
        return err(
          tooWeak(`pbkdf2-sha256 iterations must be in [${floor.minIterations}, ${floor.maxIterations}]`),
        );
      }
      return ok({ algorithm: 'pbkdf2-sha256', iterations: candidate.iterations });
    }
    default:
      return err({ type: 'KdfParamsUnsupported', algorithm: String(candidate.algorithm) });
  }
}

export type KdfPhase = 'deriving' | 'splitting' | 'done';

export interface KdfOptions {
  readonly signal?: AbortSignal;
  /** Phase changes, and estimated fractions while a worker runner derives. See: [Note: KDF progress and cancel] */
  readonly onProgress?: (progress: { readonly phase: KdfPhase; readonly fraction: number }) => void;
  /** Where Argon2id runs; defaults to the calling thread. */
  readonly argon2Runner?: Argon2Runner;
}

export interface Argon2Params {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** Resolves to the 32-byte hash, or undefined when the signal aborted it. */
export type Argon2Runner = (
  password: Uint8Array,
  salt: Uint8Array,
  params: Argon2Params,
  control: { readonly signal?: AbortSignal; readonly onFraction?: (fraction: number) => void },
) => Promise<Uint8Array | undefined>;

export const runArgon2InThread: Argon2Runner = (password, salt, params) =>
  argon2idHash(password, salt, params);

export interface LoginKeys {
  readonly keyEncryptionKey: KeyEncryptionKey;
  readonly authKey: AuthKey;
}

/** Passwords are compared as NFC-normalised UTF-8, so the same password typed on two keyboards matches. */
const passwordToBytes = (password: string): Uint8Array => utf8ToBytes(password.normalize('NFC'));

function assertPasswordAndSalt(password: unknown, salt: unknown): asserts salt is Salt {
  if (typeof password !== 'string' || password.length === 0) {
    throw new CryptoInputError('password must be a non-empty string');
  }
  assertBytes(salt, 'salt', SALT_BYTES);
}

/**
 * Password -> 32-byte root (Argon2id or PBKDF2) -> HKDF -> key-encryption key + auth key.
 * Refuses params below the floor before deriving anything.
 */
export async function deriveLoginKeys(
  password: string,
  salt: Salt,
  params: unknown,
  options: KdfOptions = {},
): Promise<Result<LoginKeys, KdfParamsRejected | Aborted>> {
  assertPasswordAndSalt(password, salt);
  const checked = checkKdfParams(params);
  if (!checked.ok) return checked;
  if (options.signal?.aborted) return err(aborted);
  options.onProgress?.({ phase: 'deriving', fraction: 0 });
  const root = await derivePasswordRoot(password, salt, checked.value, options);
  if (!root) return err(aborted);
  try {
    if (options.signal?.aborted) return err(aborted);
    options.onProgress?.({ phase: 'splitting', fraction: 0.95 });
    const keys = await splitRootKey(root);
    if (options.signal?.aborted) {
      zeroize(keys.keyEncryptionKey, keys.authKey);
      return err(aborted);
    }
    options.onProgress?.({ phase: 'done', fraction: 1 });
    return ok(keys);
  } finally {
    zeroize(root);
  }
}

/** The slow part. Only ever called with params that passed checkKdfParams; undefined when aborted. */
async function derivePasswordRoot(
  password: string,
  salt: Salt,
  params: KdfParams,
  options: KdfOptions,
): Promise<RootKey | undefined> {
  const passwordBytes = passwordToBytes(password);
  try {
    if (params.algorithm === 'argon2id') {
      const run = options.argon2Runner ?? runArgon2InThread;
      const onFraction = (fraction: number) =>
        options.onProgress?.({ phase: 'deriving', fraction: fraction * 0.95 });
      return (await run(passwordBytes, salt, params, { signal: options.signal, onFraction })) as
        | RootKey
        | undefined;
    }
    return (await pbkdf2Sha256(passwordBytes, salt, params.iterations, KEY_BYTES)) as RootKey;
  } finally {
    zeroize(passwordBytes);
  }
}

/**
 * Readies the slow part for a derivation with these params before the password is known: call it while a
 * password is being typed. Params the floor refuses are ignored (the derivation will refuse them).
 * See: [Note: Argon2 memory is faulted in ahead]
 */
export async function prepareKdf(params: unknown): Promise<void> {
  const checked = checkKdfParams(params);
  if (checked.ok && checked.value.algorithm === 'argon2id') await prepareArgon2id(checked.value.memoryKiB);
}

/** Raw Argon2id (version 0x13). Exposed for the published vectors; callers go through deriveLoginKeys. */
export function argon2idHash(
  password: Uint8Array,
  salt: Uint8Array,
  params: Argon2Params,
  hashLength = KEY_BYTES,
): Promise<Uint8Array> {
  return argon2id(password, salt, params, hashLength);
}

/** Raw PBKDF2-HMAC-SHA256 through WebCrypto. */
export async function pbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array> {
  const baseKey = await crypto.subtle.importKey('raw', asBufferSource(password), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: asBufferSource(salt), iterations },
    baseKey,
    length * 8,
  );
  return new Uint8Array(bits);
}

/** HKDF-SHA256 (RFC 5869) through WebCrypto. `info` strings are the labels in formats.ts. */
export async function hkdfSha256(
  inputKey: Uint8Array,
  info: Uint8Array | string,
  length = KEY_BYTES,
  salt: Uint8Array = new Uint8Array(0),
): Promise<Uint8Array> {
  assertBytes(inputKey, 'inputKey');
  const infoBytes = typeof info === 'string' ? utf8ToBytes(info) : info;
  const baseKey = await crypto.subtle.importKey('raw', asBufferSource(inputKey), 'HKDF', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: asBufferSource(salt), info: asBufferSource(infoBytes) },
    baseKey,
    length * 8,
  );
  return new Uint8Array(bits);
}

/** Splits the password root with distinct HKDF labels: knowing the auth key says nothing about the KEK. */
export async function splitRootKey(root: RootKey): Promise<LoginKeys> {
  assertBytes(root, 'root', KEY_BYTES);
  const [keyEncryptionKey, authKey] = await Promise.all([
    hkdfSha256(root, LABELS.kek),
    hkdfSha256(root, LABELS.authKey),
  ]);
  return { keyEncryptionKey: keyEncryptionKey as KeyEncryptionKey, authKey: authKey as AuthKey };
}

// -------------------------------------------------------------------------------------------------------------
// Argon2id in a dedicated worker. See: [Note: KDF progress and cancel]

export interface Argon2Request {
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly params: Argon2Params;
}

export type Argon2Response =
  | { readonly ok: true; readonly hash: Uint8Array }
  | { readonly ok: false; readonly message: string };

/** The part of a Worker (browser, or an adapter over node:worker_threads) the runner needs. */
export interface Argon2WorkerLike {
  postMessage(message: Argon2Request): void;
  onmessage: ((event: { readonly data: Argon2Response }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  terminate(): void;
}

/** The cost on this class of machine: ~0.35 s for 128 MiB x 3 passes. Only used to estimate progress. */
const ESTIMATED_MS_PER_KIB_PASS = 0.0009;
const PROGRESS_INTERVAL_MS = 100;

/** Handles one request inside the worker; argon2-worker.ts wires it to the worker's messages. */
export async function handleArgon2Request(request: Argon2Request): Promise<Argon2Response> {
  try {
    const hash = await argon2idHash(request.password, request.salt, request.params);
    return { ok: true, hash };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  } finally {
    zeroize(request.password);
  }
}

/**
 * A runner that starts a fresh worker per derivation (so each gets a clean WASM memory that terminate() frees),
 * reports an estimated fraction every 100 ms, and terminates the worker on abort.
 */
export function createWorkerArgon2Runner(spawnWorker: () => Argon2WorkerLike): Argon2Runner {
  return (password, salt, params, control) =>
    new Promise<Uint8Array | undefined>((resolve, reject) => {
      if (control.signal?.aborted) return resolve(undefined);
      const worker = spawnWorker();
      const started = Date.now();
      const expectedMs = params.memoryKiB * params.iterations * ESTIMATED_MS_PER_KIB_PASS;
      const ticker = setInterval(() => {
        control.onFraction?.(Math.min(0.99, (Date.now() - started) / expectedMs));
      }, PROGRESS_INTERVAL_MS);
      const finish = () => {
        clearInterval(ticker);
        control.signal?.removeEventListener('abort', onAbort);
        worker.terminate();
      };
      const onAbort = () => {
        finish();
        resolve(undefined);
      };
      control.signal?.addEventListener('abort', onAbort, { once: true });
      worker.onmessage = (event) => {
        finish();
        if (event.data.ok) resolve(event.data.hash);
        else reject(new Error(`argon2 worker: ${event.data.message}`));
      };
      worker.onerror = (event) => {
        finish();
        reject(
          new Error(`argon2 worker failed: ${String((event as { message?: unknown })?.message ?? event)}`),
        );
      };
      // A copy, so the caller's bytes can be zeroed whatever the worker does with its own.
      worker.postMessage({ password: password.slice(), salt: salt.slice(), params });
    });
}

// Declared here rather than taken from the DOM library, so packages that type-check this file without DOM types
// (bench/, e2e/) still can; at run time it is the browser's Worker. The literal `new Worker(new URL(...))` form is
// what Vite recognises to bundle argon2-worker.ts as a module worker.
declare const Worker: new (url: URL, options: { readonly type: 'module' }) => Argon2WorkerLike;

/** The runner for browsers (and the web app's worker, which may start nested workers). */
export function createBrowserArgon2Runner(): Argon2Runner {
  return createWorkerArgon2Runner(
    () => new Worker(new URL('./argon2-worker.ts', import.meta.url), { type: 'module' }),
  );
}
