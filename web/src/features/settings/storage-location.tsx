/**
 * @module Where new photos go: the server's storage or the person's own S3 bucket, which the server checks with a
 * test write before using it. The secret key lives in this form's state until the server accepted it, then is
 * cleared; it is never stored on the device nor shown again.
 */

import { createSignal, Show } from 'solid-js';
import type { AuthError, BucketError, OwnBucket, OwnBucketInput, Result } from '../../app/vault-client';
import { Button } from '../../ui/button';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { TextField } from '../../ui/text-field';
import { authErrorText } from '../auth/auth-errors';

export interface StorageLocationProps {
  /** undefined while loading; null: the server's storage. */
  readonly bucket: Result<OwnBucket | null, AuthError> | undefined;
  readonly onRegister: (input: OwnBucketInput) => Promise<Result<OwnBucket, BucketError>>;
  readonly onRemove: () => Promise<Result<void, AuthError>>;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const bucketErrorText = (error: BucketError): string => {
  switch (error.type) {
    case 'CheckFailed':
      return `The server could not use this bucket: ${error.detail}`;
    case 'NotAllowed':
      return 'This server does not let accounts use their own bucket.';
    case 'Invalid':
      return error.issues.length === 0
        ? 'The server refused these settings.'
        : `The server refused these settings: ${error.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
    default:
      return authErrorText(error);
  }
};

/** The server wants '' or a prefix ending in "/"; people write "photos" as often as "photos/". */
const keyPrefixOf = (text: string): string => {
  const trimmed = text.trim();
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
};

export const StorageLocation = (props: StorageLocationProps) => {
  const [endpoint, setEndpoint] = createSignal('');
  const [region, setRegion] = createSignal('');
  const [bucketName, setBucketName] = createSignal('');
  const [keyPrefix, setKeyPrefix] = createSignal('');
  const [isPathStyle, setPathStyle] = createSignal(false);
  const [accessKeyId, setAccessKeyId] = createSignal('');
  const [secret, setSecret] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const [isChecking, setChecking] = createSignal(false);
  const [isConfirmingRemove, setConfirmingRemove] = createSignal(false);
  const [removeError, setRemoveError] = createSignal<string | null>(null);
  // What the server answered last, ahead of the resource the screen loaded.
  const [answered, setAnswered] = createSignal<{ readonly bucket: OwnBucket | null } | null>(null);

  const current = (): OwnBucket | null | undefined => {
    const fresh = answered();
    if (fresh) return fresh.bucket;
    const loaded = props.bucket;
    return loaded?.ok ? loaded.value : undefined;
  };
  // The reason itself (signed out, say) is the devices section's to show, once.
  const unavailableText = () => {
    const loaded = props.bucket;
    if (!loaded) return ''; // still loading
    return !loaded.ok && loaded.error.type === 'Offline'
      ? 'Not available offline.'
      : 'Not available right now.';
  };

  const submit = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    setError(null);
    setChecking(true);
    const result = await props.onRegister({
      endpoint: endpoint().trim(),
      region: region().trim(),
      bucket: bucketName().trim(),
      forcePathStyle: isPathStyle(),
      keyPrefix: keyPrefixOf(keyPrefix()),
      accessKeyId: accessKeyId().trim(),
      secretAccessKey: secret(),
    });
    setChecking(false);
    if (!result.ok) {
      setError(bucketErrorText(result.error));
      return;
    }
    setSecret('');
    setAnswered({ bucket: result.value });
  };

  const remove = async (): Promise<void> => {
    setRemoveError(null);
    const removed = await props.onRemove();
    if (removed.ok) setAnswered({ bucket: null });
    else setRemoveError(authErrorText(removed.error));
  };

  return (
    <Show when={current() !== undefined} fallback={<p class="settings__hint">{unavailableText()}</p>}>
      <Show
        when={current()}
        fallback={
          <>
            <p>New photos go to this server’s storage.</p>
            <p class="settings__hint">
              You can keep them in your own S3 bucket instead. Photos already stored stay where they are. This
              app reaches your bucket through the server, so the bucket needs no CORS rules.
            </p>
            {/* autocomplete off: Chromium's form history would keep what was typed on disk (docs/web.md). */}
            <form class="settings__form" aria-label="Your own bucket" autocomplete="off" onSubmit={submit}>
              <TextField
                label="Endpoint URL"
                type="url"
                autocomplete="off"
                placeholder="https://s3.eu-central-1.amazonaws.com"
                hint="Leave empty for Amazon S3."
                value={endpoint()}
                onValue={setEndpoint}
              />
              <TextField
                label="Region"
                autocomplete="off"
                required
                placeholder="us-east-1"
                value={region()}
                onValue={setRegion}
              />
              <TextField
                label="Bucket name"
                required
                autocomplete="off"
                value={bucketName()}
                onValue={setBucketName}
              />
              <TextField
                label="Key prefix (optional)"
                autocomplete="off"
                placeholder="halyon/"
                value={keyPrefix()}
                onValue={setKeyPrefix}
              />
              <label class="checkbox">
                <input
                  type="checkbox"
                  checked={isPathStyle()}
                  onChange={(e) => setPathStyle(e.currentTarget.checked)}
                />
                Path-style addresses (most self-hosted S3 services need them)
              </label>
              <TextField
                label="Access key ID"
                required
                autocomplete="off"
                spellcheck={false}
                value={accessKeyId()}
                onValue={setAccessKeyId}
              />
              <TextField
                label="Secret access key"
                type="password"
                required
                autocomplete="off"
                value={secret()}
                onValue={setSecret}
              />
              {/* Not tied to one field: a failed check may be the endpoint, the bucket or the keys. */}
              <Show when={error()}>
                {(message) => (
                  <p class="settings__error" role="alert">
                    {message()}
                  </p>
                )}
              </Show>
              <div class="settings__form-actions">
                <Show when={isChecking()}>
                  <span role="status">Checking the bucket…</span>
                </Show>
                <Button type="submit" variant="primary" disabled={isChecking()}>
                  Save
                </Button>
              </div>
            </form>
          </>
        }
      >
        {(bucket) => (
          <>
            <p>
              New photos go to your bucket <strong>{bucket().bucket}</strong>
              {bucket().keyPrefix === '' ? '' : ` (under ${bucket().keyPrefix})`} at{' '}
              {bucket().endpoint ?? `Amazon S3, ${bucket().region}`}, checked{' '}
              {dateTimeFormat.format(bucket().checkedAt)}.
            </p>
            <p class="settings__hint">
              Photos already stored stay where they are. This app reaches your bucket through the server.
            </p>
            <Button class="settings__start" variant="secondary" onClick={() => setConfirmingRemove(true)}>
              Stop using it
            </Button>
            <Show when={removeError()}>
              {(message) => (
                <p class="settings__error" role="alert">
                  {message()}
                </p>
              )}
            </Show>
          </>
        )}
      </Show>
      <Show when={isConfirmingRemove()}>
        <ConfirmDialog
          title="Stop using your bucket?"
          confirmLabel="Stop using it"
          onConfirm={() => void remove()}
          onClose={() => setConfirmingRemove(false)}
        >
          New photos go to this server’s storage again. Photos already in your bucket stay there and still
          open.
        </ConfirmDialog>
      </Show>
    </Show>
  );
};
