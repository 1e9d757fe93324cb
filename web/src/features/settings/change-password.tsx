/** @module Change the password: the library re-wraps the master key; no photo is re-encrypted. */

import { createSignal, Show } from 'solid-js';
import type { AuthError, Result } from '../../app/vault-client';
import { Button } from '../../ui/button';
import { TextField } from '../../ui/text-field';
import { authErrorText } from '../auth/auth-errors';
import { estimatePasswordStrength } from '../auth/password-strength';
import { PasswordStrengthMeter } from '../auth/register-screen';

export interface ChangePasswordProps {
  readonly onChangePassword: (input: {
    readonly currentPassword: string;
    readonly newPassword: string;
  }) => Promise<Result<void, AuthError>>;
}

export const ChangePassword = (props: ChangePasswordProps) => {
  const [current, setCurrent] = createSignal('');
  const [next, setNext] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [isDone, setDone] = createSignal(false);
  const [isBusy, setBusy] = createSignal(false);

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    setDone(false);
    if (!estimatePasswordStrength(next()).isAcceptable) {
      setError('Choose a stronger password.');
      return;
    }
    setBusy(true);
    const result = await props.onChangePassword({ currentPassword: current(), newPassword: next() });
    setBusy(false);
    if (!result.ok) {
      setError(
        result.error.type === 'WrongCredentials'
          ? 'The current password is not right.'
          : authErrorText(result.error),
      );
      return;
    }
    setCurrent('');
    setNext('');
    setDone(true);
  };

  return (
    <form class="settings__form" onSubmit={submit}>
      <TextField
        label="Current password"
        type="password"
        autocomplete="current-password"
        required
        value={current()}
        onValue={setCurrent}
      />
      <TextField
        label="New password"
        type="password"
        autocomplete="new-password"
        required
        value={next()}
        onValue={setNext}
        hint={<PasswordStrengthMeter password={next()} />}
        error={error()}
      />
      <div class="settings__form-actions">
        <Show when={isDone()}>
          <span role="status">Password changed. Other devices were signed out.</span>
        </Show>
        <Show when={isBusy()}>
          <span role="status">Protecting the new password with a slow key derivation…</span>
        </Show>
        <Button type="submit" variant="primary" disabled={isBusy()}>
          Change password
        </Button>
      </div>
    </form>
  );
};
