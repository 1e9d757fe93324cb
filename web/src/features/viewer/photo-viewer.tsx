/**
 * @module The full-screen viewer: one photo at a time, previous/next (buttons and arrow keys), zoom (buttons,
 * +/- keys, double-click), an info panel, and favourite, download and trash. A modal dialog (Kobalte) so focus
 * stays inside and Escape closes it. The preview's object URL is revoked as soon as another photo replaces it.
 */

// The module's named parts, not its `Dialog` object: Kobalte builds Dialog and AlertDialog by Object.assign
// on one shared root function, so the objects overwrite each other's Content (role dialog vs alertdialog).
import * as Dialog from '@kobalte/core/dialog';
import Check from 'lucide-solid/icons/check';
import ChevronLeft from 'lucide-solid/icons/chevron-left';
import ChevronRight from 'lucide-solid/icons/chevron-right';
import Download from 'lucide-solid/icons/download';
import Info from 'lucide-solid/icons/info';
import Pencil from 'lucide-solid/icons/pencil';
import Star from 'lucide-solid/icons/star';
import Trash2 from 'lucide-solid/icons/trash';
import X from 'lucide-solid/icons/x';
import ZoomIn from 'lucide-solid/icons/zoom-in';
import ZoomOut from 'lucide-solid/icons/zoom-out';
import { createEffect, createResource, createSignal, type JSX, on, onCleanup, Show } from 'solid-js';
import type { LibraryError, PhotoDetails, PhotoId, Result } from '../../app/vault-client';
import { IconButton } from '../../ui/button';
import { formatBytes } from '../../ui/format';
import { epochMsToLocalInput, localInputToEpochMs } from './local-date-time';
import './viewer.css';

export interface PhotoViewerProps {
  readonly photoId: PhotoId;
  /** Changes whenever the library changed, so the details shown are never stale (favourite, caption). */
  readonly revision: number;
  readonly hasPrevious: boolean;
  readonly hasNext: boolean;
  readonly onPrevious: () => void;
  readonly onNext: () => void;
  readonly onClose: () => void;
  readonly loadDetails: (id: PhotoId) => Promise<Result<PhotoDetails, LibraryError>>;
  /** An object URL of a screen-sized rendition; the viewer revokes it. */
  readonly getPreviewUrl: (id: PhotoId) => Promise<string | null>;
  readonly onToggleFavourite: (photo: PhotoDetails) => void;
  readonly onDownload: (photo: PhotoDetails) => void;
  readonly onTrash: (photo: PhotoDetails) => void;
  readonly onEditCaption: (photo: PhotoDetails, caption: string) => void;
  readonly onEditDate: (photo: PhotoDetails, takenAt: number) => void;
  /** More toolbar buttons for the photo shown (an album's "Use as album cover"). */
  readonly extraActions?: (photo: PhotoDetails) => JSX.Element;
}

const ZOOM_STEPS = [1, 1.5, 2, 3, 4] as const;
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

export const PhotoViewer = (props: PhotoViewerProps) => {
  const [zoomStep, setZoomStep] = createSignal(0);
  const [isInfoOpen, setInfoOpen] = createSignal(false);
  const [isEditingDate, setEditingDate] = createSignal(false);
  const [details] = createResource(
    () => ({ id: props.photoId, revision: props.revision }),
    ({ id }) => props.loadDetails(id),
  );
  const [previewUrl, setPreviewUrl] = createSignal<string | null>(null);
  const [previewFailed, setPreviewFailed] = createSignal(false);

  createEffect(
    on(
      () => props.photoId,
      (id) => {
        setZoomStep(0);
        setEditingDate(false);
        setPreviewFailed(false);
        let isCurrent = true;
        void props.getPreviewUrl(id).then((url) => {
          if (!isCurrent) {
            if (url) URL.revokeObjectURL(url);
            return;
          }
          if (url === null) setPreviewFailed(true);
          setPreviewUrl(url);
        });
        onCleanup(() => {
          isCurrent = false;
          const url = previewUrl();
          if (url) URL.revokeObjectURL(url);
          setPreviewUrl(null);
        });
      },
    ),
  );

  const zoom = () => ZOOM_STEPS[zoomStep()] ?? 1;
  const zoomBy = (delta: number) =>
    setZoomStep((s) => Math.min(ZOOM_STEPS.length - 1, Math.max(0, s + delta)));
  const photo = (): PhotoDetails | undefined => {
    // `latest` keeps the details up while they refresh; the id check drops the previous photo's.
    const result = details.latest;
    return result?.ok && result.value.id === props.photoId ? result.value : undefined;
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
    if (event.key === 'ArrowLeft' && props.hasPrevious) props.onPrevious();
    else if (event.key === 'ArrowRight' && props.hasNext) props.onNext();
    else if (event.key === '+' || event.key === '=') zoomBy(1);
    else if (event.key === '-') zoomBy(-1);
    else if (event.key === 'i') setInfoOpen(!isInfoOpen());
    else return;
    event.preventDefault();
  };

  return (
    <Dialog.Root open onOpenChange={(open) => !open && props.onClose()}>
      <Dialog.Portal>
        <Dialog.Content class="viewer" onKeyDown={onKeyDown}>
          <Dialog.Title class="visually-hidden">{photo()?.fileName ?? 'Photo'}</Dialog.Title>
          <div class="viewer__toolbar">
            <Dialog.CloseButton class="icon-button" aria-label="Close" title="Close">
              <X aria-hidden="true" />
            </Dialog.CloseButton>
            <div class="viewer__spacer" />
            <IconButton
              label="Zoom out"
              icon={<ZoomOut aria-hidden="true" />}
              disabled={zoomStep() === 0}
              onClick={() => zoomBy(-1)}
            />
            <IconButton
              label="Zoom in"
              icon={<ZoomIn aria-hidden="true" />}
              disabled={zoomStep() === ZOOM_STEPS.length - 1}
              onClick={() => zoomBy(1)}
            />
            <Show when={photo()}>
              {(p) => (
                <>
                  <IconButton
                    label={p().isFavourite ? 'Remove from favourites' : 'Add to favourites'}
                    pressed={p().isFavourite}
                    icon={<Star aria-hidden="true" class={p().isFavourite ? 'viewer__star--on' : ''} />}
                    onClick={() => props.onToggleFavourite(p())}
                  />
                  <IconButton
                    label="Download original"
                    icon={<Download aria-hidden="true" />}
                    onClick={() => props.onDownload(p())}
                  />
                  {props.extraActions?.(p())}
                  <IconButton
                    label="Move to trash"
                    icon={<Trash2 aria-hidden="true" />}
                    onClick={() => props.onTrash(p())}
                  />
                </>
              )}
            </Show>
            <IconButton
              label="Info"
              pressed={isInfoOpen()}
              icon={<Info aria-hidden="true" />}
              onClick={() => setInfoOpen(!isInfoOpen())}
            />
          </div>
          <div class="viewer__body">
            <div class="viewer__stage" classList={{ 'viewer__stage--zoomed': zoomStep() > 0 }}>
              <Show
                when={previewUrl()}
                fallback={
                  <p class="viewer__message" role="status">
                    {previewFailed() ? 'This photo cannot be shown.' : 'Decrypting…'}
                  </p>
                }
              >
                {(src) => (
                  <img
                    class="viewer__image"
                    src={src()}
                    alt={photo()?.caption || photo()?.fileName || 'Photo'}
                    style={
                      zoomStep() > 0
                        ? { width: `${zoom() * 100}%`, 'max-width': 'none', 'max-height': 'none' }
                        : {}
                    }
                    onDblClick={() => setZoomStep(zoomStep() === 0 ? 2 : 0)}
                    draggable={false}
                  />
                )}
              </Show>
              <Show when={props.hasPrevious}>
                <IconButton
                  class="viewer__nav viewer__nav--previous"
                  label="Previous photo"
                  icon={<ChevronLeft aria-hidden="true" />}
                  onClick={() => props.onPrevious()}
                />
              </Show>
              <Show when={props.hasNext}>
                <IconButton
                  class="viewer__nav viewer__nav--next"
                  label="Next photo"
                  icon={<ChevronRight aria-hidden="true" />}
                  onClick={() => props.onNext()}
                />
              </Show>
            </div>
            <Show when={isInfoOpen()}>
              <aside class="viewer__info" aria-label="Info">
                <h2>Info</h2>
                <Show
                  when={photo()}
                  fallback={<p>{details.loading ? 'Loading…' : 'Details are not available.'}</p>}
                >
                  {(p) => (
                    <dl>
                      <dt>
                        <label for="viewer-caption">Caption</label>
                      </dt>
                      <dd>
                        <textarea
                          id="viewer-caption"
                          class="viewer__caption"
                          rows={2}
                          placeholder="Add a caption"
                          value={p().caption}
                          onKeyDown={(event) => {
                            // Enter saves (Shift+Enter for a new line); Escape should not close the viewer from here.
                            if (event.key === 'Enter' && !event.shiftKey) {
                              event.preventDefault();
                              event.currentTarget.blur();
                            }
                          }}
                          onChange={(event) => props.onEditCaption(p(), event.currentTarget.value.trim())}
                        />
                      </dd>
                      <dt>Taken</dt>
                      <dd>
                        <Show
                          when={isEditingDate()}
                          fallback={
                            <div class="viewer__date">
                              <span>{dateFormat.format(p().takenAt)}</span>
                              <IconButton
                                label="Edit date"
                                icon={<Pencil aria-hidden="true" />}
                                onClick={() => setEditingDate(true)}
                              />
                            </div>
                          }
                        >
                          <form
                            class="viewer__date"
                            onSubmit={(event) => {
                              event.preventDefault();
                              const input = event.currentTarget.elements.namedItem(
                                'taken-at',
                              ) as HTMLInputElement;
                              const takenAt = localInputToEpochMs(input.value);
                              if (takenAt === null) return;
                              props.onEditDate(p(), takenAt);
                              setEditingDate(false);
                            }}
                          >
                            <input
                              name="taken-at"
                              type="datetime-local"
                              aria-label="Date and time taken"
                              class="viewer__date-input"
                              value={epochMsToLocalInput(p().takenAt)}
                              required
                            />
                            <IconButton type="submit" label="Save date" icon={<Check aria-hidden="true" />} />
                          </form>
                        </Show>
                      </dd>
                      <dt>File</dt>
                      <dd class="viewer__file-name">{p().fileName}</dd>
                      <dt>Size</dt>
                      <dd>
                        {formatBytes(p().sizeBytes)} · {p().width} × {p().height}
                      </dd>
                      <Show when={p().camera}>
                        <dt>Camera</dt>
                        <dd>{p().camera}</dd>
                      </Show>
                      <Show when={p().location}>
                        <dt>Location</dt>
                        <dd>{p().location}</dd>
                      </Show>
                      <dt>Sync</dt>
                      <dd>{p().isPending ? 'Changes not synced yet' : 'Synced'}</dd>
                    </dl>
                  )}
                </Show>
              </aside>
            </Show>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
};
