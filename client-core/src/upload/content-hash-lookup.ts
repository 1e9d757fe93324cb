/**
 * @module De-duplication against the library: the photo (live, archived or trashed) with a keyed content hash.
 * The index is built at the first lookup. Given the sync engine, it is then kept current from the keys of the
 * records that changed, so a batch upload into a large library costs per file what the file changed, not the whole
 * library; a change whose keys it did not see (the library loading its snapshot again) rebuilds it at the next
 * lookup. Without the engine every change rebuilds it.
 */
import type { Library } from '../library/library';
import type { SyncEngine } from '../sync/engine';

export const createContentHashLookup = (
  library: Pick<Library, 'queries' | 'watch'>,
  engine?: Pick<SyncEngine, 'subscribe'>,
) => {
  /** Photo ids by content hash: two devices may upload the same photo before either has synced. */
  let photoIdsByHash: Map<string, Set<string>> | null = null;
  const hashByPhotoId = new Map<string, string>();
  /** Records changed since the last lookup; they are looked at again then. */
  const changed = new Set<string>();
  let keysSeen = false;

  const put = (photoId: string, contentHash: string) => {
    hashByPhotoId.set(photoId, contentHash);
    const ids = photoIdsByHash!.get(contentHash);
    if (ids) ids.add(photoId);
    else photoIdsByHash!.set(contentHash, new Set([photoId]));
  };
  const rebuild = () => {
    photoIdsByHash = new Map();
    hashByPhotoId.clear();
    const q = library.queries;
    for (const p of [...q.timeline().flatMap((day) => day.photos), ...q.archive(), ...q.trash()]) {
      put(p.id, p.contentHash);
    }
  };
  /** A record changed: drop what the index had for it, and add it back if it is (still) a photo. */
  const reindex = (recordId: string) => {
    const oldHash = hashByPhotoId.get(recordId);
    if (oldHash !== undefined) {
      hashByPhotoId.delete(recordId);
      const ids = photoIdsByHash!.get(oldHash)!;
      ids.delete(recordId);
      if (ids.size === 0) photoIdsByHash!.delete(oldHash);
    }
    const photo = library.queries.photo(recordId);
    if (photo) put(photo.id, photo.contentHash);
  };

  engine?.subscribe((event) => {
    if (!photoIdsByHash) return;
    const keys =
      event.type === 'changes'
        ? event.changes.map((c) => c.key)
        : event.type === 'localWrite'
          ? event.keys
          : [];
    for (const key of keys) changed.add(key.recordId);
    if (keys.length > 0) keysSeen = true;
  });
  // The engine reports a change before the library notifies its watchers of it (a microtask later): a
  // notification with no keys seen since the last one is a change the engine did not report.
  let first = true;
  library.watch(
    () => null,
    () => {
      if (first) first = false;
      else if (!keysSeen) photoIdsByHash = null;
      keysSeen = false;
    },
  );

  return (contentHash: string): string | undefined => {
    if (!photoIdsByHash) {
      rebuild();
      changed.clear();
    }
    for (const recordId of changed) reindex(recordId);
    changed.clear();
    const ids = photoIdsByHash!.get(contentHash);
    return ids ? ids.values().next().value : undefined;
  };
};
