/**
 * @module "Add to album" and "Tag" for a selection: a menu of the existing albums or tags plus "New …", which
 * asks for a name. Presentational: the caller does the adding.
 */

// Named parts, not the DropdownMenu object (see ui/name-dialog.tsx on Kobalte's shared mutated roots).
import * as DropdownMenu from '@kobalte/core/dropdown-menu';
import Plus from 'lucide-solid/icons/plus';
import { createSignal, For, type JSX, Show } from 'solid-js';
import { NameDialog } from '../../ui/name-dialog';

export interface CollectionMenuProps {
  /** The trigger's accessible name, e.g. "Add to album". */
  readonly label: string;
  readonly icon: JSX.Element;
  readonly items: ReadonlyArray<{ readonly id: string; readonly name: string }>;
  readonly itemIcon: JSX.Element;
  /** E.g. "New album…"; the dialog's title drops the ellipsis. */
  readonly newLabel: string;
  readonly onPick: (id: string) => void;
  readonly onCreate: (name: string) => void;
}

export const CollectionMenu = (props: CollectionMenuProps) => {
  const [isNaming, setNaming] = createSignal(false);
  return (
    <>
      <DropdownMenu.Root>
        <DropdownMenu.Trigger class="icon-button" aria-label={props.label} title={props.label}>
          {props.icon}
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content class="menu">
            <DropdownMenu.Item class="menu__item" onSelect={() => setNaming(true)}>
              <Plus aria-hidden="true" />
              {props.newLabel}
            </DropdownMenu.Item>
            <Show when={props.items.length > 0}>
              <DropdownMenu.Separator class="menu__separator" />
            </Show>
            <For each={props.items}>
              {(item) => (
                <DropdownMenu.Item class="menu__item" onSelect={() => props.onPick(item.id)}>
                  {props.itemIcon}
                  <span class="menu__label">{item.name}</span>
                </DropdownMenu.Item>
              )}
            </For>
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
      <Show when={isNaming()}>
        <NameDialog
          title={props.newLabel.replace('…', '')}
          label="Name"
          submitLabel="Create"
          onSubmit={(name) => props.onCreate(name)}
          onClose={() => setNaming(false)}
        />
      </Show>
    </>
  );
};
