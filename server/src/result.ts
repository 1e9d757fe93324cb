/**
 * @module A tiny Result type (the same shape as client-core's): expected failures are values, bugs throw.
 * Errors are plain objects with a `type` discriminant, e.g. `{ type: 'InvalidCredentials' }`.
 */

export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

export interface Err<E> {
  readonly ok: false;
  readonly error: E;
}

export type Result<T, E> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });

export const err = <E>(error: E): Err<E> => ({ ok: false, error });
