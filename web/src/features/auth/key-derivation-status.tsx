/** @module Password-to-key steps: what the person sees while a key is derived, and the submit that starts one. */

import { createSignal, Show } from 'solid-js';
import type { AuthError, KeyDerivationProgress, Result } from '../../app/vault-client';
import { Button } from '../../ui/button';
import { ProgressBar } from '../../ui/progress-bar';
import { authErrorText, progressText } from './auth-errors';

export const KeyDerivationStatus = (props: { readonly progress: KeyDerivationProgress }) => (
  <div class="auth__progress" role="status" aria-live="polite">
    <div>{progressText(props.progress)}</div>
    <ProgressBar label="Progress" value={props.progress.fraction} />
  </div>
);

/** The form's submit button, replaced by the derivation status while a key is being derived. */
export const SubmitOrProgress = (props: {
  readonly label: string;
  readonly progress: KeyDerivationProgress | null;
}) => (
  <Show
    when={props.progress}
    fallback={
      <Button type="submit" variant="primary">
        {props.label}
      </Button>
    }
  >
    {(p) => <KeyDerivationStatus progress={p()} />}
  </Show>
);

/**
 * An action that derives a key from a password: `run` shows its progress while it runs and the error it ends
 * with; `error`/`setError` also carry the form's own validation messages.
 */
export function createKeyDerivingAction() {
  const [error, setError] = createSignal<string | null>(null);
  const [progress, setProgress] = createSignal<KeyDerivationProgress | null>(null);
  const run = async <T,>(
    action: (onProgress: (progress: KeyDerivationProgress) => void) => Promise<Result<T, AuthError>>,
  ): Promise<Result<T, AuthError>> => {
    setError(null);
    setProgress({ stage: 'deriving-key', fraction: null });
    const result = await action(setProgress);
    setProgress(null);
    if (!result.ok) setError(authErrorText(result.error));
    return result;
  };
  return { error, setError, progress, run };
}
