/** @module Log in with e-mail and password. The command is injected; this screen only collects and reports. */

import { createSignal } from 'solid-js';
import type { AuthError, KeyDerivationProgress, Result } from '../../app/vault-client';
import { Button } from '../../ui/button';
import { TextField } from '../../ui/text-field';
import { AuthLayout } from './auth-layout';
import { createKeyDerivingAction, SubmitOrProgress } from './key-derivation-status';

export interface LoginScreenProps {
  readonly onLogIn: (
    input: { readonly email: string; readonly password: string },
    onProgress: (progress: KeyDerivationProgress) => void,
  ) => Promise<Result<void, AuthError>>;
  readonly onCreateAccount: () => void;
  readonly onForgotPassword: () => void;
}

export const LoginScreen = (props: LoginScreenProps) => {
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const { error, progress, run } = createKeyDerivingAction();

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    await run((onProgress) => props.onLogIn({ email: email().trim(), password: password() }, onProgress));
  };

  return (
    <AuthLayout title="Sign in">
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
          autocomplete="current-password"
          required
          value={password()}
          onValue={setPassword}
          error={error()}
        />
        <SubmitOrProgress label="Sign in" progress={progress()} />
      </form>
      <Button variant="quiet" class="auth__forgot" onClick={() => props.onForgotPassword()}>
        Forgot your password?
      </Button>
      <div class="auth__switch">
        New here?{' '}
        <Button variant="quiet" onClick={() => props.onCreateAccount()}>
          Create an account
        </Button>
      </div>
    </AuthLayout>
  );
};
