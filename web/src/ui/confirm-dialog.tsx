/** @module Asks before something that cannot be undone (Kobalte AlertDialog: focus trapped, Escape cancels). */

// The module's named parts, not its `AlertDialog` object: Kobalte builds Dialog and AlertDialog by Object.assign
// on one shared root function, so the objects overwrite each other's Content (role dialog vs alertdialog).
import * as AlertDialog from '@kobalte/core/alert-dialog';
import type { JSX } from 'solid-js';
import { Button } from './button';
import './ui.css';

export interface ConfirmDialogProps {
  readonly title: string;
  readonly children: JSX.Element;
  readonly confirmLabel: string;
  readonly onConfirm: () => void;
  readonly onClose: () => void;
}

export const ConfirmDialog = (props: ConfirmDialogProps) => (
  <AlertDialog.Root open onOpenChange={(open) => !open && props.onClose()}>
    <AlertDialog.Portal>
      <AlertDialog.Overlay class="dialog-overlay" />
      <AlertDialog.Content class="dialog">
        <AlertDialog.Title class="dialog__title">{props.title}</AlertDialog.Title>
        <AlertDialog.Description class="dialog__text">{props.children}</AlertDialog.Description>
        <div class="dialog__actions">
          <Button variant="quiet" onClick={() => props.onClose()}>
            Cancel
          </Button>
          <Button
            variant="danger"
            onClick={() => {
              props.onConfirm();
              props.onClose();
            }}
          >
            {props.confirmLabel}
          </Button>
        </div>
      </AlertDialog.Content>
    </AlertDialog.Portal>
  </AlertDialog.Root>
);
