import { describe, expect, it } from 'vitest';
import type { UploadId, UploadItem, UploadStatus } from '../../app/vault-client';
import { summariseUploads, uploadHeadline } from './upload-summary';

const item = (status: UploadStatus, bytesTotal: number, bytesDone = 0): UploadItem => ({
  id: `u-${status}-${bytesTotal}` as UploadId,
  fileName: 'a.jpg',
  relativePath: '',
  bytesTotal,
  bytesDone,
  status,
  error: null,
  photoId: null,
});

describe('summariseUploads', () => {
  it('counts bytes over what will be uploaded, leaving out duplicates and cancelled files', () => {
    const summary = summariseUploads([
      item('done', 100, 100),
      item('uploading', 100, 50),
      item('duplicate', 1000),
      item('cancelled', 1000, 10),
    ]);
    expect(summary.fraction).toBeCloseTo(0.75);
    expect(summary.inProgress).toBe(1);
    expect(summary.duplicates).toBe(1);
  });

  it('says what is happening in words', () => {
    expect(uploadHeadline(summariseUploads([item('uploading', 10), item('queued', 10)]))).toBe(
      'Uploading 2 items',
    );
    expect(uploadHeadline(summariseUploads([item('waiting-for-network', 10)]))).toBe(
      '1 waiting for the network',
    );
    expect(uploadHeadline(summariseUploads([item('paused', 10)]))).toBe('1 paused');
    expect(
      uploadHeadline(summariseUploads([item('done', 10, 10), item('duplicate', 5), item('failed', 5)])),
    ).toBe('1 uploaded · 1 already in your library · 1 failed');
  });

  it('is complete when nothing is left to upload', () => {
    expect(summariseUploads([item('duplicate', 10)]).fraction).toBe(1);
    expect(summariseUploads([]).fraction).toBe(0);
  });
});
