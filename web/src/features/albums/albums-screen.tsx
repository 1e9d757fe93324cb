/** @module The list of albums, each with its cover, name and count. */

import { A } from '@solidjs/router';
import BookImage from 'lucide-solid/icons/book-image';
import { createResource, createSignal, For, onCleanup, Show } from 'solid-js';
import type { PhotoId } from '../../app/vault-client';
import { useVault, useVaultEvents } from '../../app/vault-context';
import './albums.css';
import { EmptyState } from '../../ui/empty-state';

const AlbumCover = (props: { readonly photoId: PhotoId | null }) => {
  const client = useVault();
  const [url, setUrl] = createSignal<string | null>(null);
  let isDisposed = false;
  if (props.photoId) {
    void client.getThumbnail(props.photoId).then((result) => {
      if (!result.ok || isDisposed) return;
      setUrl(URL.createObjectURL(result.value));
    });
  }
  onCleanup(() => {
    isDisposed = true;
    const current = url();
    if (current) URL.revokeObjectURL(current);
  });
  return (
    <Show
      when={url()}
      fallback={
        <div class="album-card__cover album-card__cover--empty">
          <BookImage aria-hidden="true" />
        </div>
      }
    >
      {(src) => <img class="album-card__cover" src={src()} alt="" />}
    </Show>
  );
};

export const AlbumsScreen = () => {
  const client = useVault();
  const events = useVaultEvents();
  const [albums] = createResource(
    () => events.revision().albums + events.revision().photos,
    () => client.listAlbums(),
    {
      initialValue: [],
    },
  );
  return (
    <div class="collection-screen">
      <h1>Albums</h1>
      <Show
        when={albums.latest.length > 0}
        fallback={
          <EmptyState
            icon={<BookImage aria-hidden="true" />}
            title="No albums yet"
            text="Select photos and add them to an album to keep them together."
          />
        }
      >
        <ul class="album-grid">
          <For each={albums.latest}>
            {(album) => (
              <li>
                <A class="album-card" href={`/albums/${encodeURIComponent(album.id)}`}>
                  <AlbumCover photoId={album.coverPhotoId} />
                  <div class="album-card__name">{album.name}</div>
                  <div class="album-card__count">
                    {album.photoCount.toLocaleString()} {album.photoCount === 1 ? 'item' : 'items'}
                  </div>
                </A>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
};
