/**
 * @module Make a new recovery key: proved by the current password, the old words stop working at once and the new
 * ones are shown once, here, until the person says they have written them down.
 */

import { createSignal, For, Show } from 'solid-js';
import type { AuthError, Registered, Result } from '../../app/vault-client';
import { Button } from '../../ui/button';
import { TextField } from '../../ui/text-field';
import { authErrorText } from '../auth/auth-errors';

export interface NewRecoveryKeyProps {
  readonly onRotate: (input: { readonly currentPassword: string }) => Promise<Result<Registered, AuthError>>;
}

export const NewRecoveryKey = (props: NewRecoveryKeyProps) => {
  const [password, setPassword] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [isBusy, setBusy] = createSignal(false);
  const [words, setWords] = createSignal<ReadonlyArray<string> | null>(null);

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    const result = await props.onRotate({ currentPassword: password() });
    setBusy(false);
    if (!result.ok) {
      setError(
        result.error.type === 'WrongCredentials'
          ? 'The current password is not right.'
          : authErrorText(result.error),
      );
      return;
    }
    setPassword('');
    setWords(result.value.recoveryWords);
  };

  return (
    <Show
      when={words()}
      fallback={
        <form class="settings__form" onSubmit={submit}>
          <TextField
            label="Password for the new recovery key"
            type="password"
            autocomplete="current-password"
            required
            value={password()}
            onValue={setPassword}
            error={error()}
          />
          <div class="settings__form-actions">
            <Show when={isBusy()}>
              <span role="status">Checking the password…</span>
            </Show>
            <Button type="submit" disabled={isBusy()}>
              Make a new recovery key
            </Button>
          </div>
        </form>
      }
    >
      {(shown) => (
        <div class="settings__form">
          <p role="status">
            Your old recovery key no longer works. Write these {shown().length} words down, in order; you will
            not see them again.
          </p>
          <ol class="recovery-words" aria-label="New recovery key">
            <For each={shown()}>{(word) => <li>{word}</li>}</For>
          </ol>
          <div class="settings__form-actions">
            <Button variant="primary" onClick={() => setWords(null)}>
              I have written them down
            </Button>
          </div>
        </div>
      )}
    </Show>
  );
};
