/**
 * @module One album: its photos in the album's own order, with rename, delete and arrange (drag, or Alt+arrow
 * keys) beside the title; remove and "set as cover" for a selection; "use as album cover" in the viewer.
 */

import { useNavigate, useParams } from '@solidjs/router';
import ArrowUpDown from 'lucide-solid/icons/arrow-up-down';
import ImageMinus from 'lucide-solid/icons/image-minus';
import ImageUp from 'lucide-solid/icons/image-up';
import Pencil from 'lucide-solid/icons/pencil';
import Trash from 'lucide-solid/icons/trash';
import { createResource, createSignal, Show } from 'solid-js';
import type { AlbumId, PhotoId } from '../../app/vault-client';
import { useVault, useVaultEvents } from '../../app/vault-context';
import { Button, IconButton } from '../../ui/button';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { NameDialog } from '../../ui/name-dialog';
import { TimelineScreen } from '../timeline/timeline-screen';

export const AlbumScreen = () => {
  const client = useVault();
  const events = useVaultEvents();
  const navigate = useNavigate();
  const params = useParams<{ id: string }>();
  const albumId = () => params.id as AlbumId;
  const [albums] = createResource(
    () => events.revision().albums,
    () => client.listAlbums(),
    { initialValue: [] },
  );
  const album = () => albums.latest.find((a) => a.id === albumId());
  const [isArranging, setArranging] = createSignal(false);
  const [dialog, setDialog] = createSignal<'rename' | 'delete' | null>(null);
  const setCover = (photoId: PhotoId) => void client.setAlbumCover(albumId(), photoId);

  return (
    <>
      <TimelineScreen
        view={{ kind: 'album', albumId: albumId() }}
        title={album()?.name ?? 'Album'}
        empty={{ title: 'This album is empty', text: 'Select photos and add them to this album.' }}
        hint={
          isArranging()
            ? 'Drag photos to change their order, or focus one and press Alt and an arrow key.'
            : undefined
        }
        arrange={
          isArranging()
            ? { onMove: (photoId, toIndex) => void client.moveInAlbum(albumId(), photoId, toIndex) }
            : undefined
        }
        titleActions={
          <Show
            when={!isArranging()}
            fallback={
              <Button variant="primary" onClick={() => setArranging(false)}>
                Done
              </Button>
            }
          >
            <Show when={(album()?.photoCount ?? 0) > 1}>
              <Button
                variant="quiet"
                icon={<ArrowUpDown aria-hidden="true" />}
                onClick={() => setArranging(true)}
              >
                Arrange
              </Button>
            </Show>
            <IconButton
              label="Rename album"
              icon={<Pencil aria-hidden="true" />}
              onClick={() => setDialog('rename')}
            />
            <IconButton
              label="Delete album"
              icon={<Trash aria-hidden="true" />}
              onClick={() => setDialog('delete')}
            />
          </Show>
        }
        selectionActions={(selection) => (
          <>
            <Show when={selection.ids().length === 1}>
              <IconButton
                label="Set as album cover"
                icon={<ImageUp aria-hidden="true" />}
                onClick={() => {
                  setCover(selection.ids()[0]!);
                  selection.clear();
                }}
              />
            </Show>
            <IconButton
              label="Remove from album"
              icon={<ImageMinus aria-hidden="true" />}
              onClick={() => {
                void client.removeFromAlbum(albumId(), selection.ids());
                selection.clear();
              }}
            />
          </>
        )}
        viewerActions={(photo) => (
          <IconButton
            label={album()?.coverPhotoId === photo.id ? 'Album cover' : 'Use as album cover'}
            pressed={album()?.coverPhotoId === photo.id}
            icon={<ImageUp aria-hidden="true" />}
            onClick={() => setCover(photo.id)}
          />
        )}
      />
      <Show when={dialog() === 'rename'}>
        <NameDialog
          title="Rename album"
          label="Name"
          submitLabel="Rename"
          initialName={album()?.name ?? ''}
          onSubmit={(name) => void client.renameAlbum(albumId(), name)}
          onClose={() => setDialog(null)}
        />
      </Show>
      <Show when={dialog() === 'delete'}>
        <ConfirmDialog
          title="Delete this album?"
          confirmLabel="Delete album"
          onConfirm={() => {
            void client.deleteAlbum(albumId());
            navigate('/albums', { replace: true });
          }}
          onClose={() => setDialog(null)}
        >
          “{album()?.name}” is removed from all your devices. Its photos stay in your library.
        </ConfirmDialog>
      </Show>
    </>
  );
};
