/**
 * @module The root component: theme, service worker updates, online state, then either the account screens or
 * the signed-in app, depending on the vault's state as the worker reports it.
 */

import { type Accessor, createSignal, Match, Show, Switch } from 'solid-js';
import { LoginScreen } from '../features/auth/login-screen';
import { RecoverScreen } from '../features/auth/recover-screen';
import { RegisterScreen } from '../features/auth/register-screen';
import { UnlockScreen } from '../features/auth/unlock-screen';
import { createTheme } from '../features/settings/create-theme';
import { createAppUpdate } from '../pwa/create-app-update';
import { createOnlineStatus } from '../pwa/create-online-status';
import { UpdatePrompt } from '../pwa/update-prompt';
import type { VaultConnection } from './connect-vault-client';
import { createVaultEvents } from './create-vault-events';
import { SignedInApp } from './routes';
import type { VaultClient } from './vault-client';
import { VaultProvider } from './vault-context';
import './app.css';

export interface AppProps {
  readonly connection: VaultConnection;
  readonly enableServiceWorker: boolean;
}

const SignedOut = (props: {
  readonly client: VaultClient;
  readonly onRegistering: (isRegistering: boolean) => void;
}) => {
  const [screen, setScreen] = createSignal<'login' | 'register' | 'recover'>('login');
  return (
    <Switch>
      <Match when={screen() === 'login'}>
        <LoginScreen
          onLogIn={(input, onProgress) => props.client.logIn(input, onProgress)}
          onCreateAccount={() => setScreen('register')}
          onForgotPassword={() => setScreen('recover')}
        />
      </Match>
      <Match when={screen() === 'recover'}>
        <RecoverScreen
          onRecover={(input, onProgress) => props.client.recover(input, onProgress)}
          onSignIn={() => setScreen('login')}
        />
      </Match>
      <Match when={screen() === 'register'}>
        <RegisterScreen
          onRegister={async (input, onProgress) => {
            // Keep this screen up after the vault unlocks: the recovery key still has to be shown and checked.
            props.onRegistering(true);
            const result = await props.client.register(input, onProgress);
            if (!result.ok) props.onRegistering(false);
            return result;
          }}
          onDone={() => props.onRegistering(false)}
          onSignIn={() => setScreen('login')}
        />
      </Match>
    </Switch>
  );
};

interface ConnectedAppProps {
  readonly client: VaultClient;
  readonly theme: ReturnType<typeof createTheme>;
  readonly isOnline: Accessor<boolean>;
}

const ConnectedApp = (props: ConnectedAppProps) => {
  const events = createVaultEvents(props.client);
  const [isRegistering, setRegistering] = createSignal(false);
  const state = () => events.vaultState();
  const lockedEmail = () => {
    const current = state();
    return current?.status === 'locked' && !isRegistering() ? current.email : undefined;
  };

  return (
    <VaultProvider client={props.client} events={events}>
      <Switch>
        <Match when={state()?.status === 'unlocked' && !isRegistering()}>
          <SignedInApp isOnline={props.isOnline} theme={props.theme.theme} onTheme={props.theme.setTheme} />
        </Match>
        <Match when={lockedEmail()}>
          {(email) => (
            <UnlockScreen
              email={email()}
              onUnlock={(password, onProgress) => props.client.unlock(password, onProgress)}
              onLogOut={() => void props.client.logOut()}
            />
          )}
        </Match>
        <Match when={state() !== null}>
          <SignedOut client={props.client} onRegistering={setRegistering} />
        </Match>
      </Switch>
    </VaultProvider>
  );
};

export const App = (props: AppProps) => {
  // Before the vault: the shell is cached and updates are offered even when the vault cannot start.
  const theme = createTheme();
  const appUpdate = createAppUpdate({ enabled: props.enableServiceWorker });
  const isOnline = createOnlineStatus();
  const readyClient = () => (props.connection.status === 'ready' ? props.connection.client : undefined);
  return (
    <>
      <Show
        when={readyClient()}
        fallback={
          <div class="app-unavailable" role="alert">
            <img src="/icon.svg" alt="" width="56" height="56" />
            <h1>Halyon</h1>
            <p>{props.connection.status === 'unavailable' ? props.connection.reason : ''}</p>
          </div>
        }
      >
        {(client) => <ConnectedApp client={client()} theme={theme} isOnline={isOnline} />}
      </Show>
      <Show when={appUpdate.isUpdateWaiting()}>
        <UpdatePrompt onReload={appUpdate.applyUpdate} />
      </Show>
    </>
  );
};
