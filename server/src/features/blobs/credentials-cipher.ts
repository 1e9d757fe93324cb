/**
 * @module Encrypts the credentials of users' own buckets at rest with the server's storage key (AES-256-GCM,
 * node:crypto), so a database dump alone does not hand out access to anyone's bucket.
 * Layout: version byte (1) || 12-byte nonce || ciphertext || 16-byte tag. The associated data binds the
 * ciphertext to its storage config id, so one user's encrypted credentials cannot be moved onto another's row.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { S3Credentials } from './stores/s3-store';

const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function encryptCredentials(key: Buffer, configId: string, credentials: S3Credentials): Buffer {
  assertKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(associatedData(configId));
  const plaintext = Buffer.from(JSON.stringify(credentials), 'utf8');
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  plaintext.fill(0);
  return Buffer.concat([Buffer.of(VERSION), nonce, ciphertext, cipher.getAuthTag()]);
}

/** Throws when the blob was not made by encryptCredentials with this key and id: that is corruption or tampering. */
export function decryptCredentials(key: Buffer, configId: string, sealed: Buffer): S3Credentials {
  assertKey(key);
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
    throw new Error('stored bucket credentials have an unknown format');
  }
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(associatedData(configId));
  decipher.setAuthTag(tag);
  const plaintext = Buffer.concat([
    decipher.update(sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES)),
    decipher.final(),
  ]);
  const parsed = JSON.parse(plaintext.toString('utf8')) as S3Credentials;
  plaintext.fill(0);
  return { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey };
}

function associatedData(configId: string): Buffer {
  return Buffer.from(`halyon bucket credentials v${VERSION} ${configId}`, 'utf8');
}

function assertKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('the storage key must be 32 bytes');
}
