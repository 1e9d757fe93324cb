/**
 * @module Create an account: e-mail and password with a strength meter, key-derivation progress, then the
 * recovery key shown once, then a check that it was written down. The recovery words live only in this
 * component's memory and are dropped when it finishes.
 */

import { createMemo, createSignal, For, Match, Show, Switch } from 'solid-js';
import type { AuthError, KeyDerivationProgress, Registered, Result } from '../../app/vault-client';
import { Button } from '../../ui/button';
import { TextField } from '../../ui/text-field';
import { AuthLayout } from './auth-layout';
import { createKeyDerivingAction, SubmitOrProgress } from './key-derivation-status';
import { estimatePasswordStrength } from './password-strength';
import { cryptoRandomIndex, isRecoveryCheckCorrect, pickCheckPositions } from './recovery-check';

export interface RegisterScreenProps {
  readonly onRegister: (
    input: { readonly email: string; readonly password: string },
    onProgress: (progress: KeyDerivationProgress) => void,
  ) => Promise<Result<Registered, AuthError>>;
  /** Called once the recovery key was checked. */
  readonly onDone: () => void;
  readonly onSignIn: () => void;
  /** Chooses which words to ask back; random by default. */
  readonly randomIndex?: (n: number) => number;
}

const CHECKED_WORDS = 3;

type Step =
  | { readonly kind: 'form' }
  | { readonly kind: 'recovery'; readonly words: ReadonlyArray<string> }
  | {
      readonly kind: 'check';
      readonly words: ReadonlyArray<string>;
      readonly positions: ReadonlyArray<number>;
    };

export const PasswordStrengthMeter = (props: { readonly password: string }) => {
  const strength = createMemo(() => estimatePasswordStrength(props.password));
  return (
    <div class="strength" data-score={strength().score}>
      <div class="strength__bars" aria-hidden="true">
        <For each={[0, 1, 2, 3]}>
          {(i) => (
            <span classList={{ 'strength__bar--on': props.password.length > 0 && strength().score > i }} />
          )}
        </For>
      </div>
      <div class="strength__text" aria-live="polite">
        {props.password.length === 0 ? 'Choose a long passphrase' : `Strength: ${strength().label}`}
        <Show when={props.password.length > 0 && strength().hint}>{(hint) => <> · {hint()}</>}</Show>
      </div>
    </div>
  );
};

export const RegisterScreen = (props: RegisterScreenProps) => {
  const [step, setStep] = createSignal<Step>({ kind: 'form' });
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [confirmation, setConfirmation] = createSignal('');
  const { error, setError, progress, run } = createKeyDerivingAction();
  const [hasSaved, setSaved] = createSignal(false);
  const [answers, setAnswers] = createSignal<ReadonlyArray<string>>([]);
  const [checkFailed, setCheckFailed] = createSignal(false);
  const strength = createMemo(() => estimatePasswordStrength(password()));
  /** The current step when it is of `kind`, narrowed, for `<Match>`. */
  const stepOf = <K extends Step['kind']>(kind: K): Extract<Step, { kind: K }> | undefined => {
    const current = step();
    return current.kind === kind ? (current as Extract<Step, { kind: K }>) : undefined;
  };
  const mismatch = () => confirmation().length > 0 && confirmation() !== password();

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    if (!strength().isAcceptable) {
      setError('Choose a stronger password.');
      return;
    }
    if (password() !== confirmation()) {
      setError('The passwords do not match.');
      return;
    }
    const result = await run((onProgress) =>
      props.onRegister({ email: email().trim(), password: password() }, onProgress),
    );
    if (!result.ok) return;
    setPassword('');
    setConfirmation('');
    setStep({ kind: 'recovery', words: result.value.recoveryWords });
  };

  const startCheck = (words: ReadonlyArray<string>): void => {
    const positions = pickCheckPositions(CHECKED_WORDS, words.length, props.randomIndex ?? cryptoRandomIndex);
    setAnswers(positions.map(() => ''));
    setCheckFailed(false);
    setStep({ kind: 'check', words, positions });
  };

  const submitCheck = (
    event: SubmitEvent,
    words: ReadonlyArray<string>,
    positions: ReadonlyArray<number>,
  ) => {
    event.preventDefault();
    if (!isRecoveryCheckCorrect(words, positions, answers())) {
      setCheckFailed(true);
      return;
    }
    setStep({ kind: 'form' });
    props.onDone();
  };

  return (
    <Switch>
      <Match when={step().kind === 'form'}>
        <AuthLayout title="Create your vault">
          <form class="auth__form" onSubmit={submit}>
            <TextField
              label="E-mail"
              type="email"
              autocomplete="username"
              required
              value={email()}
              onValue={setEmail}
            />
            <TextField
              label="Password"
              type="password"
              autocomplete="new-password"
              required
              value={password()}
              onValue={setPassword}
              hint={<PasswordStrengthMeter password={password()} />}
            />
            <TextField
              label="Repeat password"
              type="password"
              autocomplete="new-password"
              required
              value={confirmation()}
              onValue={setConfirmation}
              error={mismatch() ? 'The passwords do not match.' : error()}
            />
            <p class="auth__note">
              Your password never leaves this device. If you forget it, only your recovery key can open your
              vault.
            </p>
            <SubmitOrProgress label="Create account" progress={progress()} />
          </form>
          <div class="auth__switch">
            Have an account?{' '}
            <Button variant="quiet" onClick={() => props.onSignIn()}>
              Sign in
            </Button>
          </div>
        </AuthLayout>
      </Match>
      <Match when={stepOf('recovery')}>
        {(s) => (
          <AuthLayout title="Your recovery key">
            <p class="auth__lead">
              Write these {s().words.length} words down, in order, and keep them somewhere safe. They are the
              only way back in if you forget your password. You will not see them again.
            </p>
            <ol class="recovery-words" aria-label="Recovery key">
              <For each={s().words}>{(word) => <li>{word}</li>}</For>
            </ol>
            <label class="checkbox">
              <input
                type="checkbox"
                checked={hasSaved()}
                onChange={(e) => setSaved(e.currentTarget.checked)}
              />
              I have written down my recovery key
            </label>
            <Button variant="primary" disabled={!hasSaved()} onClick={() => startCheck(s().words)}>
              Continue
            </Button>
          </AuthLayout>
        )}
      </Match>
      <Match when={stepOf('check')}>
        {(s) => (
          <AuthLayout title="Check your recovery key">
            <p class="auth__lead">Type these words from your recovery key.</p>
            <form class="auth__form" onSubmit={(e) => submitCheck(e, s().words, s().positions)}>
              <For each={s().positions}>
                {(position, i) => (
                  <TextField
                    label={`Word ${position + 1}`}
                    autocomplete="off"
                    spellcheck={false}
                    required
                    value={answers()[i()] ?? ''}
                    onValue={(value) => setAnswers(answers().map((a, k) => (k === i() ? value : a)))}
                  />
                )}
              </For>
              <Show when={checkFailed()}>
                <p class="auth__error" role="alert">
                  Those words do not match. Check what you wrote down.
                </p>
              </Show>
              <div class="auth__actions">
                <Button variant="quiet" onClick={() => setStep({ kind: 'recovery', words: s().words })}>
                  Show the words again
                </Button>
                <Button type="submit" variant="primary">
                  Confirm
                </Button>
              </div>
            </form>
          </AuthLayout>
        )}
      </Match>
    </Switch>
  );
};
