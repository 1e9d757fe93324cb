import type { PhotoView } from '@halyon/client-core';
import { describe, expect, it } from 'vitest';
import { toPhotoDetails, toPhotoSummary, toSyncStatus } from './to-view-models';

const photo = (changes: Partial<PhotoView> = {}): PhotoView => ({
  id: '0b7c1f0e-1111-4222-8333-944445555666',
  blobs: { original: 'a', thumbnail: 'b', preview: null },
  fileKey: 'c2VjcmV0',
  size: 1234,
  mime: 'image/jpeg',
  width: 4000,
  height: 3000,
  takenAt: 1_700_000_000_000,
  exif: { make: 'Fujifilm', model: 'X100V' },
  contentHash: 'aGFzaA',
  fileName: 'harbour.jpg',
  caption: 'Low tide',
  favourite: true,
  archived: false,
  trashedAt: null,
  location: { latitude: 48.8566, longitude: -2.3522 },
  dateOverride: null,
  date: 1_700_000_500_000,
  tagIds: ['t1'],
  ...changes,
});

describe('view models handed to the page', () => {
  it('sorts by the corrected date and carries no key or blob id', () => {
    const summary = toPhotoSummary(photo());
    expect(summary).toEqual({
      id: '0b7c1f0e-1111-4222-8333-944445555666',
      takenAt: 1_700_000_500_000,
      aspectRatio: 4000 / 3000,
      mediaType: 'image',
      isFavourite: true,
      isPending: false,
      hasThumbnail: true,
    });
    const details = toPhotoDetails(photo(), ['album-1'], 1);
    expect(JSON.stringify(details)).not.toContain('c2VjcmV0');
    expect(Object.keys(details)).not.toContain('blobs');
  });

  it('describes camera and location as text', () => {
    const details = toPhotoDetails(photo(), [], 1);
    expect(details.camera).toBe('Fujifilm X100V');
    expect(details.location).toBe('48.8566° N, 2.3522° W');
    expect(toPhotoDetails(photo({ exif: {}, location: null }), [], 1)).toMatchObject({
      camera: null,
      location: null,
    });
  });

  it('reports a halted sync as an error, and the pending count while offline', () => {
    expect(
      toSyncStatus({ state: 'halted', error: { type: 'ServerEpochChanged' } as never }, true, null, 0),
    ).toMatchObject({ lastError: { type: 'ServerEpochChanged' }, isSyncing: false });
    expect(
      toSyncStatus(
        { state: 'idle', live: true, lastSync: { pushed: 1, pulled: 0, outboxLeft: 3 } },
        true,
        5,
        3,
      ),
    ).toEqual({ isOnline: true, isSyncing: false, pendingChanges: 3, lastSyncedAt: 5, lastError: null });
    expect(toSyncStatus({ state: 'offline' }, true, null, 7)).toMatchObject({
      isOnline: false,
      pendingChanges: 7,
    });
  });

  it('marks a photo with unsynced changes as pending', () => {
    expect(toPhotoSummary(photo(), true).isPending).toBe(true);
    expect(toPhotoDetails(photo(), [], 1, true).isPending).toBe(true);
  });
});
