/**
 * @module Recover an account with the 24-word recovery key and choose a new password. Only the word count is
 * checked here; the library decides whether the words open the vault.
 */

import { createMemo, createSignal } from 'solid-js';
import type { AuthError, KeyDerivationProgress, Result } from '../../app/vault-client';
import { Button } from '../../ui/button';
import { TextField } from '../../ui/text-field';
import { AuthLayout } from './auth-layout';
import { createKeyDerivingAction, SubmitOrProgress } from './key-derivation-status';
import { estimatePasswordStrength } from './password-strength';
import { RECOVERY_WORD_COUNT, recoveryWordsFrom } from './recovery-check';
import { PasswordStrengthMeter } from './register-screen';

export interface RecoverScreenProps {
  readonly onRecover: (
    input: {
      readonly email: string;
      readonly recoveryWords: ReadonlyArray<string>;
      readonly newPassword: string;
    },
    onProgress: (progress: KeyDerivationProgress) => void,
  ) => Promise<Result<void, AuthError>>;
  readonly onSignIn: () => void;
}

export const RecoverScreen = (props: RecoverScreenProps) => {
  const [email, setEmail] = createSignal('');
  const [wordsText, setWordsText] = createSignal('');
  const [password, setPassword] = createSignal('');
  const { error, setError, progress, run } = createKeyDerivingAction();
  const words = createMemo(() => recoveryWordsFrom(wordsText()));

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    if (words().length !== RECOVERY_WORD_COUNT) {
      setError(`A recovery key has ${RECOVERY_WORD_COUNT} words; this has ${words().length}.`);
      return;
    }
    if (!estimatePasswordStrength(password()).isAcceptable) {
      setError('Choose a stronger password.');
      return;
    }
    await run((onProgress) =>
      props.onRecover({ email: email().trim(), recoveryWords: words(), newPassword: password() }, onProgress),
    );
  };

  return (
    <AuthLayout title="Recover your vault">
      <form class="auth__form" onSubmit={submit}>
        <TextField
          label="E-mail"
          type="email"
          autocomplete="username"
          required
          value={email()}
          onValue={setEmail}
        />
        <div class="text-field">
          <label class="text-field__label" for="recovery-words">
            Recovery key ({words().length} of {RECOVERY_WORD_COUNT} words)
          </label>
          <textarea
            id="recovery-words"
            class="text-field__input auth__words"
            rows={4}
            autocomplete="off"
            spellcheck={false}
            required
            value={wordsText()}
            onInput={(event) => setWordsText(event.currentTarget.value)}
          />
        </div>
        <TextField
          label="New password"
          type="password"
          autocomplete="new-password"
          required
          value={password()}
          onValue={setPassword}
          hint={<PasswordStrengthMeter password={password()} />}
          error={error()}
        />
        <SubmitOrProgress label="Recover" progress={progress()} />
      </form>
      <div class="auth__switch">
        <Button variant="quiet" onClick={() => props.onSignIn()}>
          Back to sign in
        </Button>
      </div>
    </AuthLayout>
  );
};
