/** @module The photos with one tag, with rename and delete beside the title and "remove tag" for a selection. */

import { useNavigate, useParams } from '@solidjs/router';
import Pencil from 'lucide-solid/icons/pencil';
import TagX from 'lucide-solid/icons/tag-x';
import Trash from 'lucide-solid/icons/trash';
import { createResource, createSignal, Show } from 'solid-js';
import type { TagId } from '../../app/vault-client';
import { useVault, useVaultEvents } from '../../app/vault-context';
import { IconButton } from '../../ui/button';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { NameDialog } from '../../ui/name-dialog';
import { TimelineScreen } from '../timeline/timeline-screen';

export const TagScreen = () => {
  const client = useVault();
  const events = useVaultEvents();
  const navigate = useNavigate();
  const params = useParams<{ id: string }>();
  const tagId = () => params.id as TagId;
  const [tags] = createResource(
    () => events.revision().tags,
    () => client.listTags(),
    { initialValue: [] },
  );
  const tag = () => tags.latest.find((t) => t.id === tagId());
  const [dialog, setDialog] = createSignal<'rename' | 'delete' | null>(null);

  return (
    <>
      <TimelineScreen
        view={{ kind: 'tag', tagId: tagId() }}
        title={tag()?.name ?? 'Tag'}
        empty={{ title: 'Nothing tagged yet', text: 'Photos you tag with this tag show up here.' }}
        titleActions={
          <>
            <IconButton
              label="Rename tag"
              icon={<Pencil aria-hidden="true" />}
              onClick={() => setDialog('rename')}
            />
            <IconButton
              label="Delete tag"
              icon={<Trash aria-hidden="true" />}
              onClick={() => setDialog('delete')}
            />
          </>
        }
        selectionActions={(selection) => (
          <IconButton
            label="Remove tag"
            icon={<TagX aria-hidden="true" />}
            onClick={() => {
              void client.untagPhotos(tagId(), selection.ids());
              selection.clear();
            }}
          />
        )}
      />
      <Show when={dialog() === 'rename'}>
        <NameDialog
          title="Rename tag"
          label="Name"
          submitLabel="Rename"
          initialName={tag()?.name ?? ''}
          onSubmit={(name) => void client.renameTag(tagId(), name)}
          onClose={() => setDialog(null)}
        />
      </Show>
      <Show when={dialog() === 'delete'}>
        <ConfirmDialog
          title="Delete this tag?"
          confirmLabel="Delete tag"
          onConfirm={() => {
            void client.deleteTag(tagId());
            navigate('/tags', { replace: true });
          }}
          onClose={() => setDialog(null)}
        >
          “{tag()?.name}” is removed from all your devices and from every photo that has it. The photos stay.
        </ConfirmDialog>
      </Show>
    </>
  );
};
