/**
 * Crypto benchmark (`npm run bench:crypto`): Halyon's client crypto against libsodium-wrappers-sumo (the WASM
 * libsodium the best-known E2EE photo app ships) doing the same work in the same run:
 *   - unlock at our default params (Argon2id m=128 MiB, t=3, p=1; then key split and unwrapping),
 *   - 1 KiB record encrypt and decrypt (ours: padding + key commitment + XChaCha20-Poly1305; libsodium: the bare
 *     XChaCha20-Poly1305 AEAD with the same associated data). In Node the AEAD runs on node:crypto; the portable
 *     path the browser worker runs (all noble) is measured too, in a child process that hides node:crypto,
 *   - 20 MiB blob encrypt and decrypt also from 64 KiB source pieces, as Blob.stream() and fetch bodies hand them
 *     over (chunks reassembled in reused buffers), and the page faults per round,
 *   - 20 MiB blob encrypt and decrypt (ours: AES-256-GCM STREAM in 1 MiB chunks; libsodium: secretstream
 *     XChaCha20-Poly1305 in 1 MiB chunks),
 *   - seal and open of a collection key (ours: X25519 + HKDF + committed box, Ed25519 signature; libsodium:
 *     crypto_box_seal + crypto_sign_detached),
 * plus the blob chunk-size sweep behind BLOB_DEFAULT_CHUNK_BYTES. The last line is one JSON object.
 */

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type BlobKey,
  type CollectionKey,
  createVault,
  decryptBlob,
  decryptRecord,
  encryptBlob,
  encryptRecord,
  generateBlobKey,
  generateCollectionKey,
  openSealedCollectionKey,
  sealCollectionKey,
  unlockVaultWithPassword,
} from '@halyon/client-core';
import sodium from 'libsodium-wrappers-sumo';
import {
  bestMsOfEach,
  bestOpsPerSecondOfEach,
  medianMinorPageFaults,
  megabytesPerSecond,
} from './lib/crypto-timing';

await sodium.ready;

/** Set in the child that measures records on the portable path; it prints only the record figures (both sides). */
const PORTABLE_RECORDS_ENV = 'HALYON_BENCH_PORTABLE_RECORDS';
const portableRecordsOnly = process.env[PORTABLE_RECORDS_ENV] === '1';

const MiB = 1024 * 1024;
const BLOB_BYTES = 20 * MiB;
const CHUNK_BYTES = 1 * MiB;
const password = 'correct horse battery staple';
const userId = 'bench@example.org';

function randomBlob(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536)
    crypto.getRandomValues(out.subarray(offset, offset + 65536));
  return out;
}

const slices = (bytes: Uint8Array, size: number) => {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) out.push(bytes.subarray(offset, offset + size));
  return out;
};

// ---------------------------------------------------------------------------------------------------------------
// 1 KiB records

const collectionKey = generateCollectionKey();
const recordContext = {
  collectionId: '0b7f3c9e-1d2a-4c5b-8e6f-7a8b9c0d1e2f',
  recordId: 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9',
  recordVersion: 12,
  epoch: 1,
};
const record = randomBlob(1024);
const recordCiphertext = encryptRecord(collectionKey, recordContext, record);

const sodiumRecordKey = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
const sodiumAd = new TextEncoder().encode(JSON.stringify(recordContext));
const sodiumNonce = sodium.randombytes_buf(24);
const sodiumRecord = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
  record,
  sodiumAd,
  null,
  sodiumNonce,
  sodiumRecordKey,
);

const encryptRecordOurs = () => encryptRecord(collectionKey, recordContext, record);
const encryptRecordLibsodium = () =>
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    record,
    sodiumAd,
    null,
    sodium.randombytes_buf(24),
    sodiumRecordKey,
  );
function decryptRecordOurs() {
  if (!decryptRecord(collectionKey, recordContext, recordCiphertext).ok)
    throw new Error('record decrypt failed');
}
const decryptRecordLibsodium = () =>
  sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
    null,
    sodiumRecord,
    sodiumAd,
    sodiumNonce,
    sodiumRecordKey,
  );
const [recordEncryptPerS, libsodiumRecordEncryptPerS] = await bestOpsPerSecondOfEach(
  5,
  300,
  encryptRecordOurs,
  encryptRecordLibsodium,
);
const [recordDecryptPerS, libsodiumRecordDecryptPerS] = await bestOpsPerSecondOfEach(
  5,
  300,
  decryptRecordOurs,
  decryptRecordLibsodium,
);

if (portableRecordsOnly) {
  console.log(
    JSON.stringify({
      recordEncryptPerS,
      recordDecryptPerS,
      libsodiumRecordEncryptPerS,
      libsodiumRecordDecryptPerS,
    }),
  );
  process.exit(0);
}

/**
 * The same record figures on the portable path (noble for everything, as in the browser worker): this script
 * again, in a child whose process.getBuiltinModule is gone, so client-core finds no node:crypto.
 */
function portableRecordFigures(): Record<
  'recordEncryptPerS' | 'recordDecryptPerS' | 'libsodiumRecordEncryptPerS' | 'libsodiumRecordDecryptPerS',
  number
> {
  const output = execFileSync(
    process.execPath,
    [
      ...process.execArgv,
      '--import',
      'data:text/javascript,process.getBuiltinModule=undefined',
      fileURLToPath(import.meta.url),
    ],
    { env: { ...process.env, [PORTABLE_RECORDS_ENV]: '1' }, encoding: 'utf8' },
  );
  return JSON.parse(output.trim().split('\n').at(-1)!);
}
const portable = portableRecordFigures();

// ---------------------------------------------------------------------------------------------------------------
// Unlock at default params

const created = await createVault(password, userId);
if (!created.ok) throw new Error(`createVault: ${created.error.type}`);
const { envelope, vault } = created.value;
async function unlockOurs() {
  const unlocked = await unlockVaultWithPassword(envelope, password, userId);
  if (!unlocked.ok) throw new Error(unlocked.error.type);
}

const sodiumSalt = sodium.randombytes_buf(sodium.crypto_pwhash_SALTBYTES);
const sodiumMaster = sodium.randombytes_buf(32);
const sodiumWrapNonce = sodium.randombytes_buf(24);
const sodiumKekForWrap = sodium.crypto_pwhash(
  32,
  password,
  sodiumSalt,
  3,
  128 * MiB,
  sodium.crypto_pwhash_ALG_ARGON2ID13,
);
const sodiumKek = sodium.crypto_kdf_derive_from_key(32, 1, 'halyonkk', sodiumKekForWrap);
const sodiumWrapped = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
  sodiumMaster,
  null,
  null,
  sodiumWrapNonce,
  sodiumKek,
);
function unlockLibsodium() {
  const root = sodium.crypto_pwhash(
    32,
    password,
    sodiumSalt,
    3,
    128 * MiB,
    sodium.crypto_pwhash_ALG_ARGON2ID13,
  );
  const kek = sodium.crypto_kdf_derive_from_key(32, 1, 'halyonkk', root);
  sodium.crypto_kdf_derive_from_key(32, 2, 'halyonkk', root); // the auth key
  sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sodiumWrapped, null, sodiumWrapNonce, kek);
}
const [unlockMs, libsodiumUnlockMs] = await bestMsOfEach(3, unlockOurs, unlockLibsodium);

// ---------------------------------------------------------------------------------------------------------------
// 20 MiB blobs

const blob = randomBlob(BLOB_BYTES);
const blobPieces = slices(blob, CHUNK_BYTES); // as a file reader would hand them over
const SMALL_PIECE_BYTES = 64 * 1024; // as Blob.stream() and fetch bodies hand them over
const blobSmallPieces = slices(blob, SMALL_PIECE_BYTES);

async function encryptOurs(
  key: BlobKey,
  chunkBytes = CHUNK_BYTES,
  pieces = blobPieces,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of encryptBlob(key, pieces, blob.length, { chunkBytes })) out.push(piece);
  return out;
}
async function decryptOurs(key: BlobKey, pieces: Uint8Array[]): Promise<number> {
  let length = 0;
  for await (const piece of decryptBlob(key, pieces)) length += piece.length;
  if (length !== BLOB_BYTES) throw new Error('blob decrypt lost bytes');
  return length;
}

const blobKey = generateBlobKey();
const blobCiphertext = await encryptOurs(blobKey);
const blobCiphertextSmallPieces = slices(new Uint8Array(Buffer.concat(blobCiphertext)), SMALL_PIECE_BYTES);
const streamKey = sodium.crypto_secretstream_xchacha20poly1305_keygen();
function sodiumStreamEncrypt(): { header: Uint8Array; chunks: Uint8Array[] } {
  const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(streamKey);
  const chunks = blobPieces.map((piece, i) =>
    sodium.crypto_secretstream_xchacha20poly1305_push(
      state,
      piece,
      null,
      i === blobPieces.length - 1
        ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
        : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
    ),
  );
  return { header, chunks };
}
const sodiumStream = sodiumStreamEncrypt();
function sodiumStreamDecrypt(): void {
  const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(sodiumStream.header, streamKey);
  for (const chunk of sodiumStream.chunks) {
    const pulled = sodium.crypto_secretstream_xchacha20poly1305_pull(state, chunk, null);
    if (!pulled) throw new Error('secretstream pull failed');
  }
}
const encryptBlobOurs = () => encryptOurs(blobKey);
const decryptBlobOurs = () => decryptOurs(blobKey, blobCiphertext);
const [blobEncryptMs, libsodiumBlobEncryptMs, blobDecryptMs, libsodiumBlobDecryptMs] = await bestMsOfEach(
  7,
  encryptBlobOurs,
  sodiumStreamEncrypt,
  decryptBlobOurs,
  sodiumStreamDecrypt,
);
const blobEncryptMbS = megabytesPerSecond(BLOB_BYTES, blobEncryptMs);
const blobDecryptMbS = megabytesPerSecond(BLOB_BYTES, blobDecryptMs);
const libsodiumBlobEncryptMbS = megabytesPerSecond(BLOB_BYTES, libsodiumBlobEncryptMs);
const libsodiumBlobDecryptMbS = megabytesPerSecond(BLOB_BYTES, libsodiumBlobDecryptMs);

// From 64 KiB pieces every chunk is reassembled (in reused buffers: docs/crypto.md, "Blob buffers").
const encryptSmallPieces = () => encryptOurs(blobKey, CHUNK_BYTES, blobSmallPieces);
const decryptSmallPieces = () => decryptOurs(blobKey, blobCiphertextSmallPieces);
const [smallEncryptMs, smallDecryptMs] = await bestMsOfEach(7, encryptSmallPieces, decryptSmallPieces);
const blobEncryptSmallPiecesMbS = megabytesPerSecond(BLOB_BYTES, smallEncryptMs);
const blobDecryptSmallPiecesMbS = megabytesPerSecond(BLOB_BYTES, smallDecryptMs);
// Minor page faults per 20 MiB round (5,120 would be every output byte on fresh memory): unlike time, load
// does not change them, and they are what separates the fast rounds from the slow ones.
const [encryptFaults, decryptFaults, smallEncryptFaults, smallDecryptFaults] = await medianMinorPageFaults(
  5,
  encryptBlobOurs,
  decryptBlobOurs,
  encryptSmallPieces,
  decryptSmallPieces,
);

// Chunk-size sweep (docs/crypto.md, "Blob chunk size").
const chunkSweep: { chunkKiB: number; encryptMbS: number; decryptMbS: number }[] = [];
for (const chunkBytes of [64 * 1024, 256 * 1024, 1 * MiB, 4 * MiB]) {
  const sealed = await encryptOurs(blobKey, chunkBytes);
  const encryptAtSize = () => encryptOurs(blobKey, chunkBytes);
  const decryptAtSize = () => decryptOurs(blobKey, sealed);
  const [encryptMs, decryptMs] = await bestMsOfEach(5, encryptAtSize, decryptAtSize);
  chunkSweep.push({
    chunkKiB: chunkBytes / 1024,
    encryptMbS: megabytesPerSecond(BLOB_BYTES, encryptMs),
    decryptMbS: megabytesPerSecond(BLOB_BYTES, decryptMs),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Sealing a collection key to a member

const bobCreated = await createVault(password, 'bob@example.org', {
  kdfParams: { algorithm: 'pbkdf2-sha256', iterations: 600_000 },
});
if (!bobCreated.ok) throw new Error(bobCreated.error.type);
const bob = bobCreated.value.vault.identity;
const alice = vault.identity;
const shareContext = { collectionId: '3f2e1d0c-9b8a-4776-a655-443322110000', epoch: 1 };
const sharedKey: CollectionKey = generateCollectionKey();
const sealedKey = await sealCollectionKey({
  key: sharedKey,
  context: shareContext,
  sender: alice,
  recipient: bob,
});
const sodiumAlice = sodium.crypto_sign_keypair();
const sodiumBob = sodium.crypto_box_keypair();
const sodiumShared = sodium.randombytes_buf(32);
function sodiumSeal() {
  const sealed = sodium.crypto_box_seal(sodiumShared, sodiumBob.publicKey);
  return { sealed, signature: sodium.crypto_sign_detached(sealed, sodiumAlice.privateKey) };
}
const sodiumSealed = sodiumSeal();
const sealOurs = () =>
  sealCollectionKey({ key: sharedKey, context: shareContext, sender: alice, recipient: bob });
async function openOurs() {
  const opened = await openSealedCollectionKey({
    sealed: sealedKey,
    context: shareContext,
    recipient: bob,
    sender: alice,
  });
  if (!opened.ok) throw new Error(opened.error.type);
}
function openLibsodium() {
  if (
    !sodium.crypto_sign_verify_detached(sodiumSealed.signature, sodiumSealed.sealed, sodiumAlice.publicKey)
  ) {
    throw new Error('signature');
  }
  sodium.crypto_box_seal_open(sodiumSealed.sealed, sodiumBob.publicKey, sodiumBob.privateKey);
}
const [sealPerS, libsodiumSealPerS] = await bestOpsPerSecondOfEach(5, 300, sealOurs, sodiumSeal);
const [openPerS, libsodiumOpenPerS] = await bestOpsPerSecondOfEach(5, 300, openOurs, openLibsodium);

// ---------------------------------------------------------------------------------------------------------------
// Report

const round = (value: number, digits = 0) => Number(value.toFixed(digits));
const rows: [string, number, number, string][] = [
  // [name, Halyon, libsodium, unit]
  ['unlock at default params (ms, lower is better)', unlockMs, libsodiumUnlockMs, 'ms'],
  ['1 KiB record encrypt (ops/s)', recordEncryptPerS, libsodiumRecordEncryptPerS, 'ops/s'],
  ['1 KiB record decrypt (ops/s)', recordDecryptPerS, libsodiumRecordDecryptPerS, 'ops/s'],
  // The portable path's libsodium side is the child's, measured in rounds alternating with it.
  [
    '  encrypt, portable path (browser) (ops/s)',
    portable.recordEncryptPerS,
    portable.libsodiumRecordEncryptPerS,
    'ops/s',
  ],
  [
    '  decrypt, portable path (browser) (ops/s)',
    portable.recordDecryptPerS,
    portable.libsodiumRecordDecryptPerS,
    'ops/s',
  ],
  ['20 MiB blob encrypt (MB/s)', blobEncryptMbS, libsodiumBlobEncryptMbS, 'MB/s'],
  ['20 MiB blob decrypt (MB/s)', blobDecryptMbS, libsodiumBlobDecryptMbS, 'MB/s'],
  ['  encrypt from 64 KiB pieces (MB/s)', blobEncryptSmallPiecesMbS, libsodiumBlobEncryptMbS, 'MB/s'],
  ['  decrypt from 64 KiB pieces (MB/s)', blobDecryptSmallPiecesMbS, libsodiumBlobDecryptMbS, 'MB/s'],
  ['collection key seal (ops/s)', sealPerS, libsodiumSealPerS, 'ops/s'],
  ['collection key open (ops/s)', openPerS, libsodiumOpenPerS, 'ops/s'],
];
const pad = (text: string, width: number) => text.padEnd(width);
console.log(`\n${pad('operation', 48)} ${pad('Halyon', 12)} ${pad('libsodium', 12)} Halyon/libsodium`);
for (const [name, ours, theirs, unit] of rows) {
  const ratio = unit === 'ms' ? theirs / ours : ours / theirs; // > 1 means Halyon is faster
  console.log(
    `${pad(name, 48)} ${pad(String(round(ours)), 12)} ${pad(String(round(theirs)), 12)} ${ratio.toFixed(2)}x`,
  );
}
console.log(
  `\nminor page faults per 20 MiB round (median): encrypt ${encryptFaults}, decrypt ${decryptFaults}; ` +
    `from 64 KiB pieces: encrypt ${smallEncryptFaults}, decrypt ${smallDecryptFaults}`,
);
console.log('\nblob chunk size sweep (AES-256-GCM STREAM, 20 MiB):');
for (const row of chunkSweep) {
  console.log(
    `  ${pad(`${row.chunkKiB} KiB`, 10)} encrypt ${round(row.encryptMbS)} MB/s, decrypt ${round(row.decryptMbS)} MB/s`,
  );
}
console.log(
  `\ntargets: blob >= 3x libsodium secretstream, unlock <= 800 ms, record decrypt >= 40,000/s (blob ratio is the smaller of the encrypt and decrypt ratios)\n`,
);

const blobRatio = Math.min(
  blobEncryptMbS / libsodiumBlobEncryptMbS,
  blobDecryptMbS / libsodiumBlobDecryptMbS,
);
console.log(
  JSON.stringify({
    bench: 'crypto',
    unlock_ms: round(unlockMs),
    record_encrypt_per_s: round(recordEncryptPerS),
    record_decrypt_per_s: round(recordDecryptPerS),
    blob_encrypt_mb_s: round(blobEncryptMbS),
    blob_decrypt_mb_s: round(blobDecryptMbS),
    blob_ratio_vs_libsodium: round(blobRatio, 2),
    blob_encrypt_64k_pieces_mb_s: round(blobEncryptSmallPiecesMbS),
    blob_decrypt_64k_pieces_mb_s: round(blobDecryptSmallPiecesMbS),
    blob_page_faults_per_round: {
      encrypt: encryptFaults,
      decrypt: decryptFaults,
      encrypt_64k_pieces: smallEncryptFaults,
      decrypt_64k_pieces: smallDecryptFaults,
    },
    record_encrypt_portable_per_s: round(portable.recordEncryptPerS),
    record_decrypt_portable_per_s: round(portable.recordDecryptPerS),
    record_decrypt_portable_vs_libsodium: round(
      portable.recordDecryptPerS / portable.libsodiumRecordDecryptPerS,
      2,
    ),
    seal_per_s: round(sealPerS),
    open_per_s: round(openPerS),
    libsodium_unlock_ms: round(libsodiumUnlockMs),
    libsodium_record_decrypt_per_s: round(libsodiumRecordDecryptPerS),
    libsodium_blob_encrypt_mb_s: round(libsodiumBlobEncryptMbS),
    libsodium_blob_decrypt_mb_s: round(libsodiumBlobDecryptMbS),
    libsodium_seal_per_s: round(libsodiumSealPerS),
    libsodium_open_per_s: round(libsodiumOpenPerS),
    targets_met: blobRatio >= 3 && unlockMs <= 800 && recordDecryptPerS >= 40_000,
  }),
);
