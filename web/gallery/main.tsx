/**
 * @module Entry of the gallery build (`vite build --mode gallery`): the real app on the demo data source, with
 * the same CSP and Trusted Types policy as production. Query parameters pick the scene, e.g.
 * `/?photos=100000`, `/?state=signedOut`, `/?uploads=1`.
 */

// First: the Trusted Types policy must exist before any other module runs.
import '../src/security/install-trusted-types';
import { render } from 'solid-js/web';
import { App } from '../src/app/app';
import { createDemoVaultClient, type DemoScene } from './demo-vault-client';
import '../src/ui/theme.css';

const params = new URLSearchParams(location.search);
const state = params.get('state');
const scene: DemoScene = {
  photoCount: Number(params.get('photos') ?? 2400),
  initialState: state === 'signedOut' || state === 'locked' ? state : 'unlocked',
  withUploads: params.get('uploads') === '1',
};

const root = document.getElementById('root');
if (!root) throw new Error('gallery/index.html has no #root');
render(
  () => (
    <App connection={{ status: 'ready', client: createDemoVaultClient(scene) }} enableServiceWorker={false} />
  ),
  root,
);
