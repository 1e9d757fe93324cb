/** @module Unlock a locked vault with the password (the account stays signed in on this device). */

import { createSignal } from 'solid-js';
import type { AuthError, KeyDerivationProgress, Result } from '../../app/vault-client';
import { Button } from '../../ui/button';
import { TextField } from '../../ui/text-field';
import { AuthLayout } from './auth-layout';
import { createKeyDerivingAction, SubmitOrProgress } from './key-derivation-status';

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
  const { error, progress, run } = createKeyDerivingAction();

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    await run((onProgress) => props.onUnlock(password(), onProgress));
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
        <SubmitOrProgress label="Unlock" progress={progress()} />
      </form>
      <div class="auth__switch">
        <Button variant="quiet" onClick={() => props.onLogOut()}>
          Sign out of this device
        </Button>
      </div>
    </AuthLayout>
  );
};
