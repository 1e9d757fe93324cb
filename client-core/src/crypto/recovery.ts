/**
 * @module The recovery key: 32 random bytes shown to the user once as 24 BIP39 words (English list, 256 bits of
 * entropy + an 8-bit checksum). The only file that imports @scure/bip39. Only the words' entropy is used (no
 * BIP39 seed derivation): HKDF(recoveryKey, LABELS.recoveryWrap) wraps the master key, and
 * HKDF(recoveryKey, LABELS.recoveryAuth) is the recovery auth key that proves the words to the server (vault.ts).
 */
import { entropyToMnemonic, mnemonicToEntropy, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { err, ok, type Result } from '../result';
import { assertBytes, randomBytes } from './bytes';
import type { InvalidRecoveryPhrase } from './errors';
import { KEY_BYTES } from './formats';
import type { RecoveryKey } from './types';

export const RECOVERY_WORD_COUNT = 24;

export const generateRecoveryKey = (): RecoveryKey => randomBytes(KEY_BYTES) as RecoveryKey;

export function recoveryKeyToWords(key: RecoveryKey): ReadonlyArray<string> {
  assertBytes(key, 'recoveryKey', KEY_BYTES);
  return entropyToMnemonic(key, wordlist).split(' ');
}

/** Accepts the words in any case and spacing; refuses a wrong count, an unknown word or a bad checksum. */
export function wordsToRecoveryKey(
  words: string | ReadonlyArray<string>,
): Result<RecoveryKey, InvalidRecoveryPhrase> {
  const text = typeof words === 'string' ? words : Array.isArray(words) ? words.join(' ') : undefined;
  if (text === undefined) return err({ type: 'InvalidRecoveryPhrase' });
  const normalized = text.normalize('NFKD').toLowerCase().trim().split(/\s+/);
  if (normalized.length !== RECOVERY_WORD_COUNT) return err({ type: 'InvalidRecoveryPhrase' });
  const mnemonic = normalized.join(' ');
  if (!validateMnemonic(mnemonic, wordlist)) return err({ type: 'InvalidRecoveryPhrase' });
  return ok(mnemonicToEntropy(mnemonic, wordlist) as RecoveryKey);
}
