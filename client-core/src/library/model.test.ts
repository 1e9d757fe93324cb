import { describe, expect, it } from 'vitest';
import type { DocChange } from '../sync/engine';
import { createLibraryModel, type LibraryModel } from './model';

const doc = (kind: string, fields: Record<string, unknown>) => ({
  kind,
  schemaVersion: 1,
  fields,
  stamps: {},
});
const change = (collectionId: string, recordId: string, kind: string, fields: Record<string, unknown>) => ({
  key: { collectionId, recordId },
  doc: doc(kind, fields),
});
const contents = (model: LibraryModel) =>
  [model.photos, model.tags, model.albums, model.photoTags, model.albumPhotos].map((m) => [...m.entries()]);

describe('the model on a warm start', () => {
  it('loads records listed once each as applying them would', () => {
    const changes: DocChange[] = [
      change('c', 'p1', 'photo', { takenAt: 1 }),
      change('c', 't1', 'tag', { name: 'a' }),
      change('c', 'l1', 'photoTag', { photoId: 'p1', tagId: 't1', present: true }),
      change('c', 'x1', 'unknownKind', {}),
    ];
    const loaded = createLibraryModel();
    const applied = createLibraryModel();
    loaded.load(changes);
    applied.apply(changes);
    expect(contents(loaded)).toEqual(contents(applied));
    expect(loaded.version).toBe(1);
  });

  it('keeps what applying keeps when one record id is in two collections, or a record is gone', () => {
    for (const changes of [
      [change('c', 'r', 'photo', { takenAt: 1 }), change('d', 'r', 'tag', { name: 'a' })],
      [change('c', 'r', 'photo', { takenAt: 1 }), { key: { collectionId: 'c', recordId: 'r' }, doc: null }],
    ]) {
      const loaded = createLibraryModel();
      const applied = createLibraryModel();
      loaded.load(changes);
      applied.apply(changes);
      expect(contents(loaded)).toEqual(contents(applied));
    }
  });

  it('applies into a model that already holds records', () => {
    const loaded = createLibraryModel();
    const applied = createLibraryModel();
    for (const model of [loaded, applied]) model.apply([change('c', 'r', 'photo', { takenAt: 1 })]);
    const next = [change('c', 'r', 'tag', { name: 'a' })];
    loaded.load(next);
    applied.apply(next);
    expect(contents(loaded)).toEqual(contents(applied));
  });
});
