/** @module Words for the errors the account commands return. */

import type { AuthError, KeyDerivationProgress } from '../../app/vault-client';

export const authErrorText = (error: AuthError): string => {
  switch (error.type) {
    case 'WrongCredentials':
      return 'That e-mail and password do not match.';
    case 'EmailTaken':
      return 'An account with this e-mail already exists.';
    case 'WeakKdfParams':
      return 'The server asked for weaker key protection than this app allows. Nothing was sent.';
    case 'InvalidRecoveryKey':
      return 'That recovery key does not open a vault for this e-mail address.';
    case 'RateLimited':
      return `Too many attempts. Try again in ${Math.ceil(error.retryAfterMs / 1000)} s.`;
    case 'SignedOut':
      return 'This device was signed out of your account. Lock the vault and unlock it to sign in again.';
    case 'Offline':
      return 'You are offline. Connect to the internet and try again.';
    case 'ServerError':
      return `The server could not complete this (${error.code}).`;
  }
};

export const progressText = (progress: KeyDerivationProgress): string => {
  switch (progress.stage) {
    case 'deriving-key':
      return 'Protecting your password with a slow key derivation…';
    case 'contacting-server':
      return 'Talking to the server…';
    case 'unlocking-vault':
      return 'Unlocking your vault…';
    case 'loading-library':
      return 'Loading your library…';
  }
};
