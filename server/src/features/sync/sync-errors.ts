/**
 * @module Expected failures of the sync services, as values (CONVENTIONS: bugs throw, expected failures are
 * returned in a Result). Only sync.routes.ts turns them into problem+json responses.
 */
export type SyncError =
  /** Unknown collections, or ones the caller is not a member of: the two are never told apart. */
  | { readonly type: 'CollectionNotFound'; readonly collectionIds: readonly string[] }
  /** The id is taken by another user's collection. */
  | { readonly type: 'CollectionExists'; readonly collectionId: string }
  /** Cursors older than the collection's tombstone purge floor: reconcile, then pull from its seq. */
  | { readonly type: 'CursorExpired'; readonly collectionIds: readonly string[] }
  | { readonly type: 'BatchTooLarge'; readonly count: number; readonly limit: number };
