import { hkdfSync } from 'node:crypto';
import { AuthKey, IdentityBundle, VaultEnvelope } from '@halyon/protocol';
import { describe, expect, it } from 'vitest';
import { base64ToBytes } from './bytes';
import { DEFAULT_KDF_PARAMS, KDF_FLOOR } from './kdf';
import { wordsToRecoveryKey } from './recovery';
import {
  changePassword,
  createVault,
  lockVault,
  recoveryWordsToAuthKey,
  rotateRecoveryKey,
  unlockVaultWithPassword,
  unlockVaultWithRecoveryWords,
} from './vault';

// The PBKDF2 floor (~0.1 s) where the test is not about the KDF; the floor check still applies to it.
const kdfParams = { algorithm: 'pbkdf2-sha256', iterations: KDF_FLOOR.pbkdf2.minIterations } as const;
const userId = 'alice@example.org';

async function newVault(password = 'correct horse') {
  const created = await createVault(password, userId, { kdfParams });
  if (!created.ok) throw new Error(created.error.type);
  return created.value;
}

const decryptFailed = { ok: false, error: { type: 'DecryptFailed' } };

// Read-only tests share one vault; tests that change or lock a vault make their own.
const sharedVault = await newVault();

describe('vault', () => {
  it('produces the wire envelope the server stores: base64 fields, a 16-byte salt, the KDF params', async () => {
    const { envelope, authKeyB64, recoveryWords, identityBundle } = sharedVault;
    expect(envelope.kdfParams).toEqual(kdfParams);
    expect(base64ToBytes(envelope.salt)).toHaveLength(16);
    for (const field of ['wrappedMasterKey', 'recoveryWrappedMasterKey', 'wrappedIdentityKeys'] as const) {
      expect(base64ToBytes(envelope[field])).toBeInstanceOf(Uint8Array);
    }
    expect(base64ToBytes(authKeyB64)).toHaveLength(32);
    expect(recoveryWords).toHaveLength(24);
    expect(identityBundle.version).toBe(1);
  });

  it('produces exactly the shapes the protocol schemas accept', async () => {
    const { envelope, authKeyB64, identityBundle } = sharedVault;
    expect(VaultEnvelope.parse(envelope)).toEqual(envelope);
    expect(IdentityBundle.parse(identityBundle)).toEqual(identityBundle);
    expect(AuthKey.parse(authKeyB64)).toBe(authKeyB64);
  });

  it('new vaults default to Argon2id at 128 MiB, t=3, p=1, and unlock with it', async () => {
    const created = await createVault('pw', userId);
    if (!created.ok) throw new Error(created.error.type);
    expect(created.value.envelope.kdfParams).toEqual(DEFAULT_KDF_PARAMS);
    const unlocked = await unlockVaultWithPassword(created.value.envelope, 'pw', userId);
    expect(unlocked.ok && unlocked.value.vault.masterKey).toEqual(created.value.vault.masterKey);
  });

  it('unlocks with the password to the same master key, identity and auth key', async () => {
    const { vault, envelope, authKeyB64 } = sharedVault;
    const unlocked = await unlockVaultWithPassword(envelope, 'correct horse', userId);
    if (!unlocked.ok) throw new Error(unlocked.error.type);
    expect(unlocked.value.vault.masterKey).toEqual(vault.masterKey);
    expect(unlocked.value.vault.identity).toEqual(vault.identity);
    expect(unlocked.value.authKeyB64).toBe(authKeyB64);
  });

  it('refuses a wrong password, and an envelope presented for another user', async () => {
    const { envelope } = sharedVault;
    expect(await unlockVaultWithPassword(envelope, 'wrong horse', userId)).toEqual(decryptFailed);
    expect(await unlockVaultWithPassword(envelope, 'correct horse', 'mallory@example.org')).toEqual(
      decryptFailed,
    );
  });

  it('refuses an envelope whose wrapped keys the server swapped', async () => {
    const { envelope } = sharedVault;
    const swaps: VaultEnvelope[] = [
      { ...envelope, wrappedMasterKey: envelope.recoveryWrappedMasterKey },
      { ...envelope, wrappedIdentityKeys: envelope.wrappedMasterKey },
      { ...envelope, wrappedMasterKey: (await newVault()).envelope.wrappedMasterKey },
    ];
    for (const swapped of swaps) {
      expect(await unlockVaultWithPassword(swapped, 'correct horse', userId)).toEqual(decryptFailed);
    }
  });

  it('refuses downgraded KDF params from the server before deriving', async () => {
    const { envelope } = sharedVault;
    const downgraded = { ...envelope, kdfParams: { algorithm: 'pbkdf2-sha256' as const, iterations: 1000 } };
    let progressed = false;
    const result = await unlockVaultWithPassword(downgraded, 'correct horse', userId, {
      onProgress: () => {
        progressed = true;
      },
    });
    expect(result).toMatchObject({ ok: false, error: { type: 'KdfParamsTooWeak' } });
    expect(progressed).toBe(false);
  });

  it('unlocks with the 24 recovery words, in any case and spacing', async () => {
    const { vault, envelope, recoveryWords } = sharedVault;
    const typed = `  ${recoveryWords.join('   ').toUpperCase()} `;
    const unlocked = await unlockVaultWithRecoveryWords(envelope, typed, userId);
    expect(unlocked.ok && unlocked.value.masterKey).toEqual(vault.masterKey);
  });

  it('refuses recovery words with a typo, a missing word or a bad checksum', async () => {
    const { envelope, recoveryWords } = sharedVault;
    const invalid = { ok: false, error: { type: 'InvalidRecoveryPhrase' } };
    expect(await unlockVaultWithRecoveryWords(envelope, recoveryWords.slice(1), userId)).toEqual(invalid);
    expect(
      await unlockVaultWithRecoveryWords(envelope, ['notaword', ...recoveryWords.slice(1)], userId),
    ).toEqual(invalid);
    const swapped = [recoveryWords[1]!, recoveryWords[0]!, ...recoveryWords.slice(2)];
    const result = await unlockVaultWithRecoveryWords(envelope, swapped, userId);
    expect(result.ok).toBe(false); // a checksum failure, or in 1/256 of cases a valid phrase for another key
  });

  it('changes the password with a new salt: the old password stops working, recovery still works', async () => {
    const { vault, envelope, recoveryWords, authKeyB64 } = await newVault();
    const changed = await changePassword(vault, envelope, 'new horse', { kdfParams });
    if (!changed.ok) throw new Error(changed.error.type);
    expect(changed.value.envelope.salt).not.toBe(envelope.salt);
    expect(changed.value.authKeyB64).not.toBe(authKeyB64);
    expect(await unlockVaultWithPassword(changed.value.envelope, 'correct horse', userId)).toEqual(
      decryptFailed,
    );
    const unlocked = await unlockVaultWithPassword(changed.value.envelope, 'new horse', userId);
    expect(unlocked.ok && unlocked.value.vault.masterKey).toEqual(vault.masterKey);
    const recovered = await unlockVaultWithRecoveryWords(changed.value.envelope, recoveryWords, userId);
    expect(recovered.ok).toBe(true);
  });

  it('refuses to change to a password under params below the floor', async () => {
    const { vault, envelope } = await newVault();
    const weak = { algorithm: 'argon2id' as const, memoryKiB: 1024, iterations: 1, parallelism: 1 };
    const result = await changePassword(vault, envelope, 'new horse', { kdfParams: weak });
    expect(result).toMatchObject({ ok: false, error: { type: 'KdfParamsTooWeak' } });
  });

  it('rotates the recovery key: the old words stop working, the new ones open the same vault', async () => {
    const { vault, envelope, recoveryWords } = await newVault();
    const rotated = await rotateRecoveryKey(vault, envelope);
    expect(rotated.recoveryWords).not.toEqual(recoveryWords);
    expect((await unlockVaultWithRecoveryWords(rotated.envelope, recoveryWords, userId)).ok).toBe(false);
    const unlocked = await unlockVaultWithRecoveryWords(rotated.envelope, rotated.recoveryWords, userId);
    expect(unlocked.ok && unlocked.value.masterKey).toEqual(vault.masterKey);
  });

  it('derives the recovery auth key as HKDF-SHA256(recovery key, "halyon/v1/recovery-auth"), from the words too', async () => {
    const { recoveryWords, recoveryAuthKeyB64, authKeyB64 } = sharedVault;
    const entropy = wordsToRecoveryKey(recoveryWords);
    if (!entropy.ok) throw new Error('words');
    // Node's own HKDF (RFC 5869, empty salt) with the label docs/crypto.md gives: an independent check.
    const expected = Buffer.from(
      hkdfSync('sha256', entropy.value, new Uint8Array(0), 'halyon/v1/recovery-auth', 32),
    );
    expect(recoveryAuthKeyB64).toBe(expected.toString('base64'));
    expect(AuthKey.safeParse(recoveryAuthKeyB64).success).toBe(true);
    expect(recoveryAuthKeyB64).not.toBe(authKeyB64);
    expect(await recoveryWordsToAuthKey(recoveryWords.join(' ').toUpperCase())).toEqual({
      ok: true,
      value: recoveryAuthKeyB64,
    });
    expect(await recoveryWordsToAuthKey(recoveryWords.slice(1))).toEqual({
      ok: false,
      error: { type: 'InvalidRecoveryPhrase' },
    });
  });

  it('gives a rotated recovery key its own recovery auth key', async () => {
    const { vault, envelope, recoveryAuthKeyB64 } = await newVault();
    const rotated = await rotateRecoveryKey(vault, envelope);
    expect(rotated.recoveryAuthKeyB64).not.toBe(recoveryAuthKeyB64);
    expect(await recoveryWordsToAuthKey(rotated.recoveryWords)).toEqual({
      ok: true,
      value: rotated.recoveryAuthKeyB64,
    });
  });

  it('lock zeroes the master key and both identity private keys, and a locked vault cannot be used', async () => {
    const { vault, envelope } = await newVault();
    lockVault(vault);
    for (const secret of [
      vault.masterKey,
      vault.identity.encryptionPrivateKey,
      vault.identity.signingPrivateKey,
    ]) {
      expect(secret.every((byte) => byte === 0)).toBe(true);
    }
    await expect(rotateRecoveryKey(vault, envelope)).rejects.toThrow(/locked/);
  });
});
