/** @module Settings: appearance, auto-lock, storage and signed-in devices. */

import Monitor from 'lucide-solid/icons/monitor';
import Moon from 'lucide-solid/icons/moon';
import Sun from 'lucide-solid/icons/sun';
import { createResource, For, type JSX, Show } from 'solid-js';
import { okValue } from '../../app/result';
import { useVault } from '../../app/vault-context';
import { Button } from '../../ui/button';
import { formatBytes } from '../../ui/format';
import { ChangePassword } from './change-password';
import type { ThemeChoice } from './create-theme';
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

const lastSeenFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const SettingsScreen = (props: {
  readonly theme: ThemeChoice;
  readonly onTheme: (t: ThemeChoice) => void;
}) => {
  const client = useVault();
  const [autoLock, { mutate: setAutoLockLocal }] = createResource(() => client.getAutoLockMinutes());
  const [usage] = createResource(() => client.getStorageUsage());
  const [sessions, { refetch: refetchSessions }] = createResource(() => client.listSessions());
  const usageValue = () => okValue(usage());
  const sessionList = () => okValue(sessions());

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
        <ChangePassword onChangePassword={(input) => client.changePassword(input)} />
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
      <section class="settings__section" aria-labelledby="settings-devices">
        <h2 id="settings-devices">Signed-in devices</h2>
        <Show when={sessionList()} fallback={<p class="settings__hint">Not available offline.</p>}>
          {(list) => (
            <ul class="settings__devices">
              <For each={list()}>
                {(session) => (
                  <li>
                    <div>
                      <div>
                        {session.deviceName}
                        {session.isCurrent ? ' (this device)' : ''}
                      </div>
                      <div class="settings__hint">
                        Last active {lastSeenFormat.format(session.lastSeenAt)}
                      </div>
                    </div>
                    <Show when={!session.isCurrent}>
                      <Button
                        variant="quiet"
                        onClick={() => void client.revokeSession(session.id).then(() => refetchSessions())}
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
      </section>
    </div>
  );
};
