/** @module The centred card every account screen sits in. */

import ShieldCheck from 'lucide-solid/icons/shield-check';
import type { JSX } from 'solid-js';
import './auth.css';

export const AuthLayout = (props: { readonly title: string; readonly children: JSX.Element }) => (
  <div class="auth">
    <main class="auth__card">
      <div class="auth__brand">
        <img src="/icon.svg" alt="" width="40" height="40" />
        <span>Halyon</span>
      </div>
      <h1 class="auth__title">{props.title}</h1>
      {props.children}
      <p class="auth__footnote">
        <ShieldCheck aria-hidden="true" />
        <span>Your photos are encrypted on this device. Nobody else, not even the server, can see them.</span>
      </p>
    </main>
  </div>
);
