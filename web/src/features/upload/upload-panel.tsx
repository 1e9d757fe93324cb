/**
 * @module The batch panel: overall progress and a line per file with its own progress, pause or resume,
 * cancel and retry. Shows what it is given; every action goes back through props.
 */

import ChevronDown from 'lucide-solid/icons/chevron-down';
import ChevronUp from 'lucide-solid/icons/chevron-up';
import Pause from 'lucide-solid/icons/pause';
import Play from 'lucide-solid/icons/play';
import RotateCcw from 'lucide-solid/icons/rotate-ccw';
import X from 'lucide-solid/icons/x';
import { createMemo, createSignal, For, Match, Show, Switch } from 'solid-js';
import type { UploadError, UploadId, UploadItem, UploadStatus } from '../../app/vault-client';
import { Button, IconButton } from '../../ui/button';
import { formatBytes } from '../../ui/format';
import { ProgressBar } from '../../ui/progress-bar';
import { summariseUploads, uploadHeadline } from './upload-summary';
import './upload.css';

export interface UploadPanelProps {
  readonly items: ReadonlyArray<UploadItem>;
  readonly onPause: (ids: ReadonlyArray<UploadId> | 'all') => void;
  readonly onResume: (ids: ReadonlyArray<UploadId> | 'all') => void;
  readonly onCancel: (ids: ReadonlyArray<UploadId> | 'all') => void;
  readonly onRetry: (ids: ReadonlyArray<UploadId>) => void;
  readonly onClearFinished: () => void;
}

const STATUS_TEXT: Readonly<Record<UploadStatus, string>> = {
  queued: 'Waiting',
  reading: 'Reading',
  encrypting: 'Encrypting',
  uploading: 'Uploading',
  'waiting-for-network': 'Waiting for the network',
  paused: 'Paused',
  done: 'Uploaded',
  duplicate: 'Already in your library',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const errorText = (error: UploadError): string => {
  switch (error.type) {
    case 'UnsupportedType':
      return 'Not a photo or video this app can read';
    case 'Unreadable':
      return 'The file could not be read';
    case 'QuotaExceeded':
      return 'Your storage is full';
    case 'ServerError':
      return 'The server refused it';
  }
};

const isActive = (status: UploadStatus): boolean =>
  status === 'queued' ||
  status === 'reading' ||
  status === 'encrypting' ||
  status === 'uploading' ||
  status === 'waiting-for-network';

export const UploadPanel = (props: UploadPanelProps) => {
  const [isExpanded, setExpanded] = createSignal(true);
  const summary = createMemo(() => summariseUploads(props.items));
  const hasFinished = () =>
    props.items.some((i) => i.status === 'done' || i.status === 'duplicate' || i.status === 'cancelled');

  return (
    <section class="upload-panel" aria-label="Uploads">
      <header class="upload-panel__header">
        <div class="upload-panel__headline" role="status" aria-live="polite">
          {uploadHeadline(summary())}
        </div>
        <Show when={summary().inProgress > 0}>
          <IconButton
            label="Pause all"
            icon={<Pause aria-hidden="true" />}
            onClick={() => props.onPause('all')}
          />
        </Show>
        <Show when={summary().paused > 0}>
          <IconButton
            label="Resume all"
            icon={<Play aria-hidden="true" />}
            onClick={() => props.onResume('all')}
          />
        </Show>
        <Show when={summary().inProgress + summary().paused > 0}>
          <IconButton
            label="Cancel all"
            icon={<X aria-hidden="true" />}
            onClick={() => props.onCancel('all')}
          />
        </Show>
        <IconButton
          label={isExpanded() ? 'Collapse' : 'Expand'}
          aria-expanded={isExpanded()}
          icon={isExpanded() ? <ChevronDown aria-hidden="true" /> : <ChevronUp aria-hidden="true" />}
          onClick={() => setExpanded(!isExpanded())}
        />
      </header>
      <ProgressBar label="Overall upload progress" value={summary().fraction} class="upload-panel__overall" />
      <Show when={isExpanded()}>
        <ul class="upload-panel__list">
          <For each={props.items}>
            {(item) => (
              <li class="upload-item" classList={{ 'upload-item--failed': item.status === 'failed' }}>
                <div class="upload-item__main">
                  <div
                    class="upload-item__name"
                    title={item.relativePath ? `${item.relativePath}/${item.fileName}` : item.fileName}
                  >
                    {item.fileName}
                  </div>
                  <div class="upload-item__status">
                    {item.error ? errorText(item.error) : STATUS_TEXT[item.status]} ·{' '}
                    {formatBytes(item.bytesTotal)}
                  </div>
                  <Show when={isActive(item.status) || item.status === 'paused'}>
                    <ProgressBar
                      label={`Progress of ${item.fileName}`}
                      value={item.status === 'queued' ? 0 : item.bytesDone / Math.max(1, item.bytesTotal)}
                      tone={item.status === 'paused' ? 'muted' : 'accent'}
                    />
                  </Show>
                </div>
                <Switch>
                  <Match when={isActive(item.status)}>
                    <IconButton
                      label={`Pause ${item.fileName}`}
                      icon={<Pause aria-hidden="true" />}
                      onClick={() => props.onPause([item.id])}
                    />
                    <IconButton
                      label={`Cancel ${item.fileName}`}
                      icon={<X aria-hidden="true" />}
                      onClick={() => props.onCancel([item.id])}
                    />
                  </Match>
                  <Match when={item.status === 'paused'}>
                    <IconButton
                      label={`Resume ${item.fileName}`}
                      icon={<Play aria-hidden="true" />}
                      onClick={() => props.onResume([item.id])}
                    />
                    <IconButton
                      label={`Cancel ${item.fileName}`}
                      icon={<X aria-hidden="true" />}
                      onClick={() => props.onCancel([item.id])}
                    />
                  </Match>
                  <Match when={item.status === 'failed'}>
                    <IconButton
                      label={`Retry ${item.fileName}`}
                      icon={<RotateCcw aria-hidden="true" />}
                      onClick={() => props.onRetry([item.id])}
                    />
                  </Match>
                </Switch>
              </li>
            )}
          </For>
        </ul>
        <Show when={hasFinished()}>
          <div class="upload-panel__footer">
            <Button variant="quiet" onClick={() => props.onClearFinished()}>
              Clear finished
            </Button>
          </div>
        </Show>
      </Show>
    </section>
  );
};
