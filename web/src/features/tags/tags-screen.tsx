/** @module The list of tags as chips; each opens the photos with that tag. */

import { A } from '@solidjs/router';
import TagIcon from 'lucide-solid/icons/tag';
import { createResource, For, Show } from 'solid-js';
import { useVault, useVaultEvents } from '../../app/vault-context';
import '../albums/albums.css';
import { EmptyState } from '../../ui/empty-state';

export const TagsScreen = () => {
  const client = useVault();
  const events = useVaultEvents();
  const [tags] = createResource(
    () => events.revision().tags + events.revision().photos,
    () => client.listTags(),
    {
      initialValue: [],
    },
  );
  return (
    <div class="collection-screen">
      <h1>Tags</h1>
      <Show
        when={tags.latest.length > 0}
        fallback={
          <EmptyState
            icon={<TagIcon aria-hidden="true" />}
            title="No tags yet"
            text="Tag photos to find them again by what they show."
          />
        }
      >
        <ul class="tag-list">
          <For each={tags.latest}>
            {(tag) => (
              <li>
                <A class="tag-chip" href={`/tags/${encodeURIComponent(tag.id)}`}>
                  <TagIcon aria-hidden="true" />
                  <span>{tag.name}</span>
                  <span class="tag-chip__count">{tag.photoCount.toLocaleString()}</span>
                </A>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </div>
  );
};
