/**
 * @module What can go wrong in a sync, as values. Refusals are the hostile-server defences: the engine applied
 * nothing from the answer that contained them.
 */
import type { RecordKey } from './sync-store';
import type { TransportError } from './transport';

export type RefusalReason =
  /** Older than (or a different copy of) a version this device has already seen: a rollback or replay. */
  | 'RolledBack'
  /** Fails authentication: tampered, or served under another id, version or collection (swapped). */
  | 'DecryptFailed'
  /** Encrypted under a key epoch this device does not hold. */
  | 'KeyUnavailable'
  /** Authentic but not a valid record of a known kind (e.g. written by a newer client). */
  | 'InvalidRecord'
  /** Authentic, but the server's answer is inconsistent with what was asked (wrong collection or order). */
  | 'Unexpected';

export interface RefusedRecord extends RecordKey {
  readonly version: number;
  readonly reason: RefusalReason;
}

export type SyncError =
  | { readonly type: 'Transport'; readonly error: TransportError }
  | { readonly type: 'RecordsRefused'; readonly records: readonly RefusedRecord[] }
  | { readonly type: 'ServerEpochChanged'; readonly expected: string; readonly received: string }
  | {
      readonly type: 'CursorRolledBack';
      readonly collectionId: string;
      readonly sent: number;
      readonly received: number;
    }
  | { readonly type: 'InvalidPushResults'; readonly reason: string }
  /** A collection's key could not be unwrapped: the membership's key is not ours or was tampered with. */
  | { readonly type: 'KeyUnwrapFailed'; readonly collectionId: string };
