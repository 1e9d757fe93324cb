/** @module Shows what a password-to-key step is doing while the person waits. */

import type { KeyDerivationProgress } from '../../app/vault-client';
import { ProgressBar } from '../../ui/progress-bar';
import { progressText } from './auth-errors';

export const KeyDerivationStatus = (props: { readonly progress: KeyDerivationProgress }) => (
  <div class="auth__progress" role="status" aria-live="polite">
    <div>{progressText(props.progress)}</div>
    <ProgressBar label="Progress" value={props.progress.fraction} />
  </div>
);
