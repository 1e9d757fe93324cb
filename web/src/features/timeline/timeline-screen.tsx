/**
 * @module A library view as a screen: the grid for one `LibraryView`, the selection bar with its actions, and
 * the viewer for the open photo. Data comes from the vault client and is queried again whenever the worker says
 * the photos changed. Album and tag screens add their own actions through the props.
 */

import ArchiveIcon from 'lucide-solid/icons/archive';
import ArchiveRestore from 'lucide-solid/icons/archive-restore';
import BookImage from 'lucide-solid/icons/book-image';
import Download from 'lucide-solid/icons/download';
import Images from 'lucide-solid/icons/images';
import RotateCcw from 'lucide-solid/icons/rotate-ccw';
import Star from 'lucide-solid/icons/star';
import TagIcon from 'lucide-solid/icons/tag';
import Trash from 'lucide-solid/icons/trash';
import X from 'lucide-solid/icons/x';
import { createEffect, createMemo, createResource, createSignal, type JSX, Show } from 'solid-js';
import type { AlbumId, LibraryView, PhotoDetails, PhotoId, TagId } from '../../app/vault-client';
import { makeObjectUrlGetter, useVault, useVaultEvents } from '../../app/vault-context';
import { Button, IconButton } from '../../ui/button';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { EmptyState } from '../../ui/empty-state';
import { saveBlob } from '../../ui/save-blob';
import { CollectionMenu } from '../organise/collection-menu';
import { browserSaveZipDeps, saveSelectionAsZip, zipFileName } from '../organise/save-zip';
import { PhotoViewer } from '../viewer/photo-viewer';
import { EMPTY_SELECTION, keepVisible, type Selection } from './selection';
import type { ThumbnailLoaders } from './thumbnail-queue';
import { TimelineGrid, type TimelineGridProps } from './timeline-grid';

/** What a screen's own selection actions get: the selected photos, and a way to clear the selection. */
export interface SelectionActions {
  readonly ids: () => ReadonlyArray<PhotoId>;
  readonly clear: () => void;
}

export interface TimelineScreenProps {
  readonly view: LibraryView;
  readonly title: string;
  readonly empty: { readonly title: string; readonly text: string; readonly icon?: JSX.Element };
  /** Beside the title (rename, delete, arrange). */
  readonly titleActions?: JSX.Element;
  /** A line under the title, e.g. how arranging works. */
  readonly hint?: string;
  /** First in the selection bar (remove from album, set as cover, remove tag). */
  readonly selectionActions?: (selection: SelectionActions) => JSX.Element;
  /** Extra buttons in the viewer's toolbar for the open photo. */
  readonly viewerActions?: (photo: PhotoDetails) => JSX.Element;
  readonly arrange?: TimelineGridProps['arrange'];
}

type ZipStatus =
  | { readonly kind: 'saving'; readonly done: number; readonly total: number }
  | { readonly kind: 'failed' };

export const TimelineScreen = (props: TimelineScreenProps) => {
  const client = useVault();
  const thumbnailLoaders: ThumbnailLoaders<ImageBitmap | null, PhotoId> = {
    loadMany: async (ids) =>
      // A thumbnail not in the cache (null) is left to loadOne; one that failed shows no image.
      (await client.getCachedThumbnailImages(ids)).map((image) =>
        image === null ? undefined : image.ok ? image.value : null,
      ),
    loadOne: async (id) => {
      const image = await client.getThumbnailImage(id);
      return image.ok ? image.value : null;
    },
  };
  const events = useVaultEvents();
  const [photos] = createResource(
    () => ({ view: props.view, revision: events.revision().photos }),
    ({ view }) => client.listPhotos(view),
    { initialValue: [] },
  );
  const [albums] = createResource(
    () => events.revision().albums,
    () => client.listAlbums(),
    { initialValue: [] },
  );
  const [tags] = createResource(
    () => events.revision().tags,
    () => client.listTags(),
    { initialValue: [] },
  );
  const [selection, setSelection] = createSignal<Selection>(EMPTY_SELECTION);
  const [openId, setOpenId] = createSignal<PhotoId | null>(null);
  const [isConfirmingEmptyTrash, setConfirmingEmptyTrash] = createSignal(false);
  const indexById = createMemo(() => new Map(photos.latest.map((p, i) => [p.id, i] as const)));

  createEffect(() => setSelection((current) => keepVisible(current, indexById())));
  createEffect(() => {
    const id = openId();
    if (id !== null && !indexById().has(id)) setOpenId(null);
  });

  const selectedIds = () => [...selection()];
  const openIndex = () => {
    const id = openId();
    return id === null ? -1 : (indexById().get(id) ?? -1);
  };
  const openAt = (index: number) => setOpenId(photos.latest[index]?.id ?? null);
  const isTrash = () => props.view.kind === 'trash';
  const isArchive = () => props.view.kind === 'archive';

  const downloadOriginal = async (photo: PhotoDetails): Promise<void> => {
    const result = await client.getOriginal(photo.id);
    if (result.ok) saveBlob(result.value.blob, result.value.fileName);
  };
  const [zipStatus, setZipStatus] = createSignal<ZipStatus | null>(null);
  const savingZip = () => {
    const status = zipStatus();
    return status?.kind === 'saving' ? status : null;
  };
  // Called from the click itself: the save picker needs its user activation.
  const downloadSelection = async (): Promise<void> => {
    const ids = selectedIds();
    setZipStatus({ kind: 'saving', done: 0, total: ids.length });
    const saved = await saveSelectionAsZip(
      browserSaveZipDeps(client),
      ids,
      zipFileName(props.title),
      (done) => setZipStatus({ kind: 'saving', done, total: ids.length }),
    );
    setZipStatus(saved.ok ? null : { kind: 'failed' });
  };
  const addSelectionToAlbum = (albumId: AlbumId): void => {
    void client.addToAlbum(albumId, selectedIds());
    setSelection(EMPTY_SELECTION);
  };
  const addSelectionToNewAlbum = async (name: string): Promise<void> => {
    const ids = selectedIds();
    setSelection(EMPTY_SELECTION);
    const created = await client.createAlbum(name);
    if (created.ok) await client.addToAlbum(created.value.id, ids);
  };
  const tagSelection = (tagId: TagId): void => {
    void client.tagPhotos(tagId, selectedIds());
    setSelection(EMPTY_SELECTION);
  };
  const tagSelectionWithNewTag = async (name: string): Promise<void> => {
    const ids = selectedIds();
    setSelection(EMPTY_SELECTION);
    const created = await client.createTag(name);
    if (created.ok) await client.tagPhotos(created.value.id, ids);
  };
  const act = (command: (ids: ReadonlyArray<PhotoId>) => Promise<unknown>) => () => {
    void command(selectedIds());
    setSelection(EMPTY_SELECTION);
  };

  return (
    <>
      <Show
        when={selection().size > 0}
        fallback={
          <>
            <div class="timeline-title">
              <h1>{props.title}</h1>
              <div class="timeline-title__actions">
                {props.titleActions}
                <Show when={isTrash() && photos.latest.length > 0}>
                  <Button variant="quiet" onClick={() => setConfirmingEmptyTrash(true)}>
                    Empty trash
                  </Button>
                </Show>
              </div>
            </div>
            <Show when={props.hint}>
              <p class="timeline-hint">{props.hint}</p>
            </Show>
          </>
        }
      >
        <div class="selection-bar" role="toolbar" aria-label="Selection">
          <IconButton
            label="Clear selection"
            icon={<X aria-hidden="true" />}
            onClick={() => setSelection(EMPTY_SELECTION)}
          />
          <div class="selection-bar__count" aria-live="polite">
            {selection().size.toLocaleString()} selected
          </div>
          <Show
            when={isTrash()}
            fallback={
              <>
                {props.selectionActions?.({
                  ids: selectedIds,
                  clear: () => setSelection(EMPTY_SELECTION),
                })}
                <IconButton
                  label="Add to favourites"
                  icon={<Star aria-hidden="true" />}
                  onClick={act((ids) => client.setFavourite(ids, true))}
                />
                <CollectionMenu
                  label="Add to album"
                  icon={<BookImage aria-hidden="true" />}
                  itemIcon={<BookImage aria-hidden="true" />}
                  items={albums.latest}
                  newLabel="New album…"
                  onPick={(id) => addSelectionToAlbum(id as AlbumId)}
                  onCreate={(name) => void addSelectionToNewAlbum(name)}
                />
                <CollectionMenu
                  label="Tag"
                  icon={<TagIcon aria-hidden="true" />}
                  itemIcon={<TagIcon aria-hidden="true" />}
                  items={tags.latest}
                  newLabel="New tag…"
                  onPick={(id) => tagSelection(id as TagId)}
                  onCreate={(name) => void tagSelectionWithNewTag(name)}
                />
                <IconButton
                  label="Download"
                  icon={<Download aria-hidden="true" />}
                  onClick={() => void downloadSelection()}
                />
                <IconButton
                  label={isArchive() ? 'Unarchive' : 'Archive'}
                  icon={
                    isArchive() ? <ArchiveRestore aria-hidden="true" /> : <ArchiveIcon aria-hidden="true" />
                  }
                  onClick={act((ids) => client.setArchived(ids, !isArchive()))}
                />
                <IconButton
                  label="Move to trash"
                  icon={<Trash aria-hidden="true" />}
                  onClick={act((ids) => client.trash(ids))}
                />
              </>
            }
          >
            <IconButton
              label="Restore"
              icon={<RotateCcw aria-hidden="true" />}
              onClick={act((ids) => client.restore(ids))}
            />
            <IconButton
              label="Delete forever"
              icon={<Trash aria-hidden="true" />}
              onClick={act((ids) => client.deleteForever(ids))}
            />
          </Show>
        </div>
      </Show>
      <Show
        when={photos.latest.length > 0}
        fallback={
          <Show when={!photos.loading}>
            <EmptyState
              icon={props.empty.icon ?? <Images aria-hidden="true" />}
              title={props.empty.title}
              text={props.empty.text}
            />
          </Show>
        }
      >
        <TimelineGrid
          label={props.title}
          photos={photos.latest}
          groupByDate={props.view.kind !== 'album'}
          arrange={props.arrange}
          selection={selection()}
          onSelectionChange={setSelection}
          onOpen={setOpenId}
          thumbnails={thumbnailLoaders}
        />
      </Show>
      <Show when={isConfirmingEmptyTrash()}>
        <ConfirmDialog
          title="Empty trash?"
          confirmLabel="Delete forever"
          onConfirm={() => void client.emptyTrash()}
          onClose={() => setConfirmingEmptyTrash(false)}
        >
          {photos.latest.length.toLocaleString()} {photos.latest.length === 1 ? 'item' : 'items'} will be
          deleted from all your devices. This cannot be undone.
        </ConfirmDialog>
      </Show>
      <Show when={openId()}>
        {(id) => (
          <PhotoViewer
            photoId={id()}
            revision={events.revision().photos}
            hasPrevious={openIndex() > 0}
            hasNext={openIndex() >= 0 && openIndex() < photos.latest.length - 1}
            onPrevious={() => openAt(openIndex() - 1)}
            onNext={() => openAt(openIndex() + 1)}
            onClose={() => setOpenId(null)}
            loadDetails={(photoId) => client.getPhoto(photoId)}
            getPreviewUrl={makeObjectUrlGetter((photoId) => client.getPreview(photoId))}
            onToggleFavourite={(photo) => void client.setFavourite([photo.id], !photo.isFavourite)}
            onDownload={(photo) => void downloadOriginal(photo)}
            onTrash={(photo) => void client.trash([photo.id])}
            onEditCaption={(photo, caption) => void client.editPhoto(photo.id, { caption })}
            onEditDate={(photo, takenAt) => void client.editPhoto(photo.id, { takenAt })}
            extraActions={props.viewerActions}
          />
        )}
      </Show>
      <Show when={savingZip()}>
        {(saving) => (
          <div class="toast" role="status">
            Saving {saving().total.toLocaleString()} {saving().total === 1 ? 'photo' : 'photos'} as a zip…{' '}
            {Math.min(saving().done, saving().total).toLocaleString()} of {saving().total.toLocaleString()}
          </div>
        )}
      </Show>
      <Show when={zipStatus()?.kind === 'failed'}>
        <div class="toast toast--error" role="alert">
          The zip could not be saved: a photo could not be fetched. Nothing was written.
          <Button variant="quiet" onClick={() => setZipStatus(null)}>
            Dismiss
          </Button>
        </div>
      </Show>
    </>
  );
};
