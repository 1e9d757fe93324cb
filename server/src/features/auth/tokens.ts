/**
 * @module Bearer tokens: 256 random bits, base64url, with a prefix saying what they are (so secret scanners and
 * people recognise a leaked one). Only their SHA-256 is stored: a database dump yields no usable token.
 */
import { createHash, randomBytes } from 'node:crypto';

export const ACCESS_TOKEN_PREFIX = 'hal_at_';
export const REFRESH_TOKEN_PREFIX = 'hal_rt_';
export const RECOVERY_TOKEN_PREFIX = 'hal_rc_';

export function newAccessToken(): string {
  return ACCESS_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function newRefreshToken(): string {
  return REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function newRecoveryToken(): string {
  return RECOVERY_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function tokenToHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
