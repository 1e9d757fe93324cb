/**
 * @module Entry point of the production app: installs the Trusted Types policy before anything renders,
 * then mounts the app on the vault client that talks to the client library's worker.
 */

// First: the Trusted Types policy must exist before any other module runs.
import './security/install-trusted-types';
import { render } from 'solid-js/web';
import { App } from './app/app';
import { connectVaultClient } from './app/connect-vault-client';
import './ui/theme.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
// Outside JSX: Solid compiles a call in a prop to a getter, so `connection={connectVaultClient()}` ran it (and
// started a vault worker, with its start-up work and Argon2 memory) on every read of the prop.
const connection = connectVaultClient();
render(() => <App connection={connection} enableServiceWorker={import.meta.env.PROD} />, root);
