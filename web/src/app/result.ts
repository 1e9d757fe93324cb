/** @module Small helpers for the `Result` values the vault client returns. */

import type { Result } from './vault-client';

/** The value of a successful result, else undefined (for `<Show when=...>`). */
export const okValue = <T, E>(result: Result<T, E> | undefined): T | undefined =>
  result?.ok ? result.value : undefined;
