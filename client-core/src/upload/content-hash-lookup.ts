/**
 * @module De-duplication against the library: the photo (live, archived or trashed) with a keyed content hash.
 * The index is rebuilt only when the library changed since the last lookup.
 */
import type { Library } from '../library/library';

export const createContentHashLookup = (library: Pick<Library, 'queries' | 'watch'>) => {
  let photoIdByHash: Map<string, string> | null = null;
  library.watch(
    () => null,
    () => {
      photoIdByHash = null;
    },
  );
  return (contentHash: string): string | undefined => {
    if (!photoIdByHash) {
      const q = library.queries;
      const all = [...q.timeline().flatMap((day) => day.photos), ...q.archive(), ...q.trash()];
      photoIdByHash = new Map(all.map((p) => [p.contentHash, p.id]));
    }
    return photoIdByHash.get(contentHash);
  };
};
