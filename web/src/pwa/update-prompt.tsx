/** @module The "new version" notice, on every screen, with the button that switches to it. */

import { Button } from '../ui/button';
import './pwa.css';

export const UpdatePrompt = (props: { readonly onReload: () => void }) => (
  <div class="update-prompt" role="status">
    <span>A new version of Halyon is ready.</span>
    <Button variant="quiet" class="update-prompt__action" onClick={() => props.onReload()}>
      Reload
    </Button>
  </div>
);
