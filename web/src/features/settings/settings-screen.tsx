/** @module Settings: appearance, auto-lock, password, recovery key, storage and where it goes, signed-in devices. */

import Monitor from 'lucide-solid/icons/monitor';
import Moon from 'lucide-solid/icons/moon';
import Sun from 'lucide-solid/icons/sun';
import { createResource, createSignal, For, type JSX, Show } from 'solid-js';
import { okValue } from '../../app/result';
import type { DeviceSession } from '../../app/vault-client';
import { useVault } from '../../app/vault-context';
import { Button } from '../../ui/button';
import { formatBytes } from '../../ui/format';
import { authErrorText } from '../auth/auth-errors';
import { ChangePassword } from './change-password';
import type { ThemeChoice } from './create-theme';
import { deviceLabel } from './device-label';
import { NewRecoveryKey } from './new-recovery-key';
import { StorageLocation } from './storage-location';
import './settings.css';

const THEMES: ReadonlyArray<{
  readonly value: ThemeChoice;
  readonly label: string;
  readonly icon: JSX.Element;
}> = [
  { value: 'system', label: 'System', icon: <Monitor aria-hidden="true" /> },
  { value: 'light', label: 'Light', icon: <Sun aria-hidden="true" /> },
  { value: 'dark', label: 'Dark', icon: <Moon aria-hidden="true" /> },
];

const AUTO_LOCK_CHOICES: ReadonlyArray<{ readonly minutes: number | null; readonly label: string }> = [
  { minutes: 1, label: 'After 1 minute' },
  { minutes: 5, label: 'After 5 minutes' },
  { minutes: 15, label: 'After 15 minutes' },
  { minutes: 60, label: 'After 1 hour' },
  { minutes: null, label: 'Never' },
];

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const SettingsScreen = (props: {
  readonly theme: ThemeChoice;
  readonly onTheme: (t: ThemeChoice) => void;
}) => {
  const client = useVault();
  const [autoLock, { mutate: setAutoLockLocal }] = createResource(() => client.getAutoLockMinutes());
  const [usage] = createResource(() => client.getStorageUsage());
  const [ownBucket] = createResource(() => client.getOwnBucket());
  const [sessions, { refetch: refetchSessions }] = createResource(() => client.listSessions());
  const [revokeError, setRevokeError] = createSignal<string | null>(null);
  const usageValue = () => okValue(usage());
  const sessionList = () => okValue(sessions());
  const sessionsUnavailable = () => {
    const answer = sessions();
    return answer && !answer.ok && answer.error.type !== 'Offline'
      ? authErrorText(answer.error)
      : 'Not available offline.';
  };
  const signOut = async (session: DeviceSession) => {
    setRevokeError(null);
    const revoked = await client.revokeSession(session.id);
    if (!revoked.ok) setRevokeError(authErrorText(revoked.error));
    await refetchSessions();
  };

  return (
    <div class="settings">
      <h1>Settings</h1>
      <section class="settings__section" aria-labelledby="settings-appearance">
        <h2 id="settings-appearance">Appearance</h2>
        <div class="segmented" role="radiogroup" aria-label="Theme">
          <For each={THEMES}>
            {(option) => (
              <label
                class="segmented__option"
                classList={{ 'segmented__option--checked': props.theme === option.value }}
              >
                <input
                  type="radio"
                  name="theme"
                  class="visually-hidden"
                  checked={props.theme === option.value}
                  onChange={() => props.onTheme(option.value)}
                />
                {option.icon}
                <span>{option.label}</span>
              </label>
            )}
          </For>
        </div>
      </section>
      <section class="settings__section" aria-labelledby="settings-lock">
        <h2 id="settings-lock">Auto-lock</h2>
        <p class="settings__hint">Locking wipes keys and decrypted photos from memory on this device.</p>
        <select
          aria-label="Lock the vault"
          class="settings__select"
          value={String(autoLock() ?? 'null')}
          onChange={(event) => {
            const value = event.currentTarget.value;
            const minutes = value === 'null' ? null : Number(value);
            setAutoLockLocal(minutes);
            void client.setAutoLockMinutes(minutes);
          }}
        >
          <For each={AUTO_LOCK_CHOICES}>{(c) => <option value={String(c.minutes)}>{c.label}</option>}</For>
        </select>
      </section>
      <section class="settings__section" aria-labelledby="settings-password">
        <h2 id="settings-password">Password</h2>
        <p class="settings__hint">
          Your photos stay as they are: only the key that protects them is re-wrapped.
        </p>
        <ChangePassword
          onChangePassword={async (input) => {
            const changed = await client.changePassword(input);
            // The server signed every other device out.
            if (changed.ok) void refetchSessions();
            return changed;
          }}
        />
      </section>
      <section class="settings__section" aria-labelledby="settings-recovery">
        <h2 id="settings-recovery">Recovery key</h2>
        <p class="settings__hint">
          The 24 words open your vault if you forget your password. Make a new key if the old one may have
          been seen.
        </p>
        <NewRecoveryKey onRotate={(input) => client.rotateRecoveryKey(input)} />
      </section>
      <section class="settings__section" aria-labelledby="settings-storage">
        <h2 id="settings-storage">Storage</h2>
        <Show
          when={usageValue()}
          fallback={<p class="settings__hint">Storage use is not available offline.</p>}
        >
          {(u) => (
            <p>
              {formatBytes(u().usedBytes)} used
              {u().quotaBytes === null ? '' : ` of ${formatBytes(u().quotaBytes ?? 0)}`} ·{' '}
              {u().photoCount.toLocaleString()} photos
            </p>
          )}
        </Show>
      </section>
      <section class="settings__section" aria-labelledby="settings-storage-location">
        <h2 id="settings-storage-location">Storage location</h2>
        <StorageLocation
          bucket={ownBucket()}
          onRegister={(input) => client.registerOwnBucket(input)}
          onRemove={() => client.removeOwnBucket()}
        />
      </section>
      <section class="settings__section" aria-labelledby="settings-devices">
        <h2 id="settings-devices">Signed-in devices</h2>
        <p class="settings__hint">
          Signing a device out ends its session at once; it needs the password again.
        </p>
        <Show when={sessionList()} fallback={<p class="settings__hint">{sessionsUnavailable()}</p>}>
          {(list) => (
            <ul class="settings__devices" aria-label="Signed-in devices">
              <For each={list()}>
                {(session) => (
                  <li>
                    <div>
                      <div>
                        {deviceLabel(session.deviceName)}
                        {session.isCurrent ? ' (this device)' : ''}
                      </div>
                      <div class="settings__hint">
                        Signed in {dateTimeFormat.format(session.createdAt)} · last active{' '}
                        {dateTimeFormat.format(session.lastSeenAt)}
                      </div>
                    </div>
                    <Show when={!session.isCurrent}>
                      <Button
                        variant="quiet"
                        aria-label={`Sign out ${deviceLabel(session.deviceName)}, signed in ${dateTimeFormat.format(session.createdAt)}`}
                        onClick={() => void signOut(session)}
                      >
                        Sign out
                      </Button>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
          )}
        </Show>
        <Show when={revokeError()}>{(message) => <p role="alert">{message()}</p>}</Show>
      </section>
    </div>
  );
};
