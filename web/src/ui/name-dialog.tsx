/** @module A small modal form asking for one name (new album, new tag, rename). */

// The module's named parts, not its `Dialog` object: Kobalte builds Dialog and AlertDialog by Object.assign
// on one shared root function, so the objects overwrite each other's Content (role dialog vs alertdialog).
import * as Dialog from '@kobalte/core/dialog';
import { createSignal } from 'solid-js';
import { Button } from './button';
import { TextField } from './text-field';
import './ui.css';

export interface NameDialogProps {
  readonly title: string;
  readonly label: string;
  readonly submitLabel: string;
  readonly initialName?: string;
  readonly onSubmit: (name: string) => void;
  readonly onClose: () => void;
}

export const NameDialog = (props: NameDialogProps) => {
  const [name, setName] = createSignal(props.initialName ?? '');
  return (
    <Dialog.Root open onOpenChange={(open) => !open && props.onClose()}>
      <Dialog.Portal>
        <Dialog.Overlay class="dialog-overlay" />
        <Dialog.Content class="dialog">
          <Dialog.Title class="dialog__title">{props.title}</Dialog.Title>
          <form
            class="dialog__form"
            onSubmit={(event) => {
              event.preventDefault();
              const trimmed = name().trim();
              if (trimmed === '') return;
              props.onSubmit(trimmed);
              props.onClose();
            }}
          >
            {/* A name is vault content: keep it out of the browser's form history ("Web Data" on disk). */}
            <TextField
              label={props.label}
              required
              autofocus
              autocomplete="off"
              value={name()}
              onValue={setName}
            />
            <div class="dialog__actions">
              <Button variant="quiet" onClick={() => props.onClose()}>
                Cancel
              </Button>
              <Button type="submit" variant="primary" disabled={name().trim() === ''}>
                {props.submitLabel}
              </Button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
};
