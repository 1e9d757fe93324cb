/**
 * @module Argon2id (RFC 9106, version 0x13) through the reference implementation built for WebAssembly with SIMD
 * (@phi-ag/argon2's argon2.wasm, inlined in argon2-wasm.ts). The only file that runs it.
 *
 * We call the module's `argon2_hash` export ourselves, with bytes: the package's wrapper takes the password as a
 * JS string and passes its UTF-16 length as the byte length (wrong for any non-ASCII password), and frees the
 * password without wiping it. We wipe the password and the hash; the reference implementation wipes its blocks.
 *
 * [Note: Argon2 memory is faulted in ahead]
 * One instance per thread is kept, and its memory stays grown (as hash-wasm's did): a fresh 128 MiB costs ~33,000
 * page faults, measured here at ~0.45 s of the first derivation's ~0.85 s (later ones take ~0.35 s, libsodium's
 * figure). `prepareArgon2id` grows and touches the memory before the password is known (the web worker calls it
 * while the lock screen waits for typing), so the derivation itself finds it faulted in. A derivation in a
 * dedicated worker (createWorkerArgon2Runner) frees it all when the worker ends.
 */
import { ARGON2_WASM_BASE64 } from './argon2-wasm';
import { base64ToBytes } from './bytes';

interface Argon2Exports {
  readonly memory: WebAssembly.Memory;
  _initialize(): void;
  malloc(size: number): number;
  free(pointer: number): void;
  argon2_hash(
    tCost: number,
    mCost: number,
    parallelism: number,
    password: number,
    passwordLength: number,
    salt: number,
    saltLength: number,
    hash: number,
    hashLength: number,
    encoded: number,
    encodedLength: number,
    type: number,
    version: number,
  ): number;
  argon2_error_message(code: number): number;
}

/** argon2.h: Argon2_id and ARGON2_VERSION_13. */
const ARGON2_ID = 2;
const ARGON2_VERSION_13 = 0x13;

interface Argon2Instance {
  readonly wasm: Argon2Exports;
  /** The memory before any derivation: the module's data, stack and heap start. */
  readonly initialBytes: number;
}

let instance: Promise<Argon2Instance> | undefined;
const instanceOnce = () => {
  instance ??= WebAssembly.instantiate(base64ToBytes(ARGON2_WASM_BASE64)! as Uint8Array<ArrayBuffer>).then(
    (source) => {
      const wasm = source.instance.exports as unknown as Argon2Exports;
      wasm._initialize();
      return { wasm, initialBytes: wasm.memory.buffer.byteLength };
    },
  );
  return instance;
};

const PAGE_BYTES = 4096;
const WASM_PAGE_BYTES = 65_536;
/** Room for the allocator's bookkeeping and the small allocations around the blocks. */
const SLACK_BYTES = 1024 * 1024;

/**
 * Grows the memory to fit a derivation of `memoryKiB` and writes to every page of it, so the derivation finds it
 * all faulted in. See: [Note: Argon2 memory is faulted in ahead]
 */
export async function prepareArgon2id(memoryKiB: number): Promise<void> {
  const { wasm, initialBytes } = await instanceOnce();
  const wanted = initialBytes + memoryKiB * 1024 + SLACK_BYTES;
  const had = wasm.memory.buffer.byteLength;
  if (wanted > had) wasm.memory.grow(Math.ceil((wanted - had) / WASM_PAGE_BYTES));
  // Each page's byte written back as it is: the module's live data is unchanged, and the page is ours.
  const heap = new Uint8Array(wasm.memory.buffer);
  for (let offset = 0; offset < heap.length; offset += PAGE_BYTES) heap[offset] = heap[offset]!;
}

const cString = (memory: WebAssembly.Memory, pointer: number) => {
  const heap = new Uint8Array(memory.buffer);
  let end = pointer;
  while (heap[end] !== 0) end++;
  return new TextDecoder().decode(heap.subarray(pointer, end));
};

export interface Argon2idParams {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** Raw Argon2id with an empty secret and associated data; throws on params the implementation refuses. */
export async function argon2id(
  password: Uint8Array,
  salt: Uint8Array,
  params: Argon2idParams,
  hashLength: number,
): Promise<Uint8Array> {
  const { wasm } = await instanceOnce();
  // Pointers stay valid when the memory grows, views do not: take a fresh view of the buffer each time.
  const heap = () => new Uint8Array(wasm.memory.buffer);
  const copyIn = (bytes: Uint8Array) => {
    const pointer = wasm.malloc(Math.max(1, bytes.length));
    heap().set(bytes, pointer);
    return pointer;
  };
  const passwordAt = copyIn(password);
  const saltAt = copyIn(salt);
  const hashAt = wasm.malloc(hashLength);
  // Synchronous from here to the end: calls on one thread never interleave on the shared instance.
  try {
    const code = wasm.argon2_hash(
      params.iterations,
      params.memoryKiB,
      params.parallelism,
      passwordAt,
      password.length,
      saltAt,
      salt.length,
      hashAt,
      hashLength,
      0, // no encoded string
      0,
      ARGON2_ID,
      ARGON2_VERSION_13,
    );
    if (code !== 0) throw new Error(`argon2id: ${cString(wasm.memory, wasm.argon2_error_message(code))}`);
    return heap().slice(hashAt, hashAt + hashLength);
  } finally {
    heap().fill(0, passwordAt, passwordAt + password.length);
    heap().fill(0, hashAt, hashAt + hashLength);
    wasm.free(passwordAt);
    wasm.free(saltAt);
    wasm.free(hashAt);
  }
}
