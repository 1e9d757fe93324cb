/** @module Unlock a locked vault with the password (the account stays signed in on this device). */

import { createSignal, Show } from 'solid-js';
import type { AuthError, KeyDerivationProgress, Result } from '../../app/vault-client';
import { Button } from '../../ui/button';
import { TextField } from '../../ui/text-field';
import { authErrorText } from './auth-errors';
import { AuthLayout } from './auth-layout';
import { KeyDerivationStatus } from './key-derivation-status';

export interface UnlockScreenProps {
  readonly email: string;
  readonly onUnlock: (
    password: string,
    onProgress: (progress: KeyDerivationProgress) => void,
  ) => Promise<Result<void, AuthError>>;
  readonly onLogOut: () => void;
}

export const UnlockScreen = (props: UnlockScreenProps) => {
  const [password, setPassword] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [progress, setProgress] = createSignal<KeyDerivationProgress | null>(null);

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    setProgress({ stage: 'deriving-key', fraction: null });
    const result = await props.onUnlock(password(), setProgress);
    setProgress(null);
    if (!result.ok) setError(authErrorText(result.error));
  };

  return (
    <AuthLayout title="Vault locked">
      <p class="auth__lead">
        Signed in as <strong>{props.email}</strong>
      </p>
      <form class="auth__form" onSubmit={submit}>
        <TextField
          label="Password"
          type="password"
          autocomplete="current-password"
          required
          value={password()}
          onValue={setPassword}
          error={error()}
        />
        <Show
          when={progress()}
          fallback={
            <Button type="submit" variant="primary">
              Unlock
            </Button>
          }
        >
          {(p) => <KeyDerivationStatus progress={p()} />}
        </Show>
      </form>
      <div class="auth__switch">
        <Button variant="quiet" onClick={() => props.onLogOut()}>
          Sign out of this device
        </Button>
      </div>
    </AuthLayout>
  );
};
