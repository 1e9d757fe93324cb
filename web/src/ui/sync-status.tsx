/** @module Shows whether local changes have reached the server: pending count, last sync, offline. */

import CloudCheck from 'lucide-solid/icons/cloud-check';
import CloudOff from 'lucide-solid/icons/cloud-off';
import RefreshCw from 'lucide-solid/icons/refresh-cw';
import { Match, Switch } from 'solid-js';
import './ui.css';

export interface SyncStatusViewProps {
  readonly isOnline: boolean;
  readonly isSyncing: boolean;
  readonly pendingChanges: number;
  readonly lastSyncedAt: number | null;
  readonly now: number;
}

const MINUTE_MS = 60_000;

export const formatLastSynced = (lastSyncedAt: number | null, now: number): string => {
  if (lastSyncedAt === null) return 'Not synced yet';
  const minutes = Math.floor((now - lastSyncedAt) / MINUTE_MS);
  if (minutes < 1) return 'Synced just now';
  if (minutes < 60) return `Synced ${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `Synced ${hours} h ago`;
  return `Synced ${new Date(lastSyncedAt).toLocaleDateString()}`;
};

const pendingText = (count: number): string =>
  count === 0 ? 'All changes saved' : `${count} ${count === 1 ? 'change' : 'changes'} waiting to sync`;

export const SyncStatusView = (props: SyncStatusViewProps) => (
  <div class="sync-status" role="status" aria-live="polite">
    <Switch>
      <Match when={!props.isOnline}>
        <CloudOff aria-hidden="true" class="sync-status__icon sync-status__icon--offline" />
      </Match>
      <Match when={props.isSyncing}>
        <RefreshCw aria-hidden="true" class="sync-status__icon sync-status__icon--spinning" />
      </Match>
      <Match when={true}>
        <CloudCheck aria-hidden="true" class="sync-status__icon" />
      </Match>
    </Switch>
    <div class="sync-status__text">
      <div>
        {props.isOnline
          ? pendingText(props.pendingChanges)
          : `Offline · ${pendingText(props.pendingChanges)}`}
      </div>
      <div class="sync-status__detail">
        {props.isSyncing ? 'Syncing…' : formatLastSynced(props.lastSyncedAt, props.now)}
      </div>
    </div>
  </div>
);
