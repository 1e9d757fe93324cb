/** @module What the batch panel's header says about a set of uploads. Pure, so it is unit-tested. */

import type { UploadItem, UploadStatus } from '../../app/vault-client';

export interface UploadSummary {
  readonly total: number;
  readonly done: number;
  readonly duplicates: number;
  readonly failed: number;
  readonly paused: number;
  /** Queued, reading, encrypting, uploading or waiting for the network. */
  readonly inProgress: number;
  readonly waitingForNetwork: number;
  /** Overall progress in bytes over the items that will be uploaded (not cancelled, not duplicates). */
  readonly fraction: number;
}

const IN_PROGRESS: ReadonlySet<UploadStatus> = new Set([
  'queued',
  'reading',
  'encrypting',
  'uploading',
  'waiting-for-network',
]);

export const summariseUploads = (items: ReadonlyArray<UploadItem>): UploadSummary => {
  let done = 0;
  let duplicates = 0;
  let failed = 0;
  let paused = 0;
  let inProgress = 0;
  let waitingForNetwork = 0;
  let bytesDone = 0;
  let bytesTotal = 0;
  for (const item of items) {
    if (item.status === 'done') done += 1;
    else if (item.status === 'duplicate') duplicates += 1;
    else if (item.status === 'failed') failed += 1;
    else if (item.status === 'paused') paused += 1;
    else if (IN_PROGRESS.has(item.status)) inProgress += 1;
    if (item.status === 'waiting-for-network') waitingForNetwork += 1;
    if (item.status !== 'cancelled' && item.status !== 'duplicate') {
      bytesTotal += item.bytesTotal;
      bytesDone += item.status === 'done' ? item.bytesTotal : Math.min(item.bytesDone, item.bytesTotal);
    }
  }
  const fraction = bytesTotal === 0 ? (items.length > 0 && inProgress === 0 ? 1 : 0) : bytesDone / bytesTotal;
  return { total: items.length, done, duplicates, failed, paused, inProgress, waitingForNetwork, fraction };
};

export const uploadHeadline = (summary: UploadSummary): string => {
  if (summary.total === 0) return 'No uploads';
  if (summary.inProgress > 0) {
    const remaining = summary.inProgress + summary.paused;
    return summary.waitingForNetwork === summary.inProgress
      ? `${remaining} waiting for the network`
      : `Uploading ${remaining} ${remaining === 1 ? 'item' : 'items'}`;
  }
  if (summary.paused > 0) return `${summary.paused} paused`;
  const parts = [`${summary.done} uploaded`];
  if (summary.duplicates > 0) parts.push(`${summary.duplicates} already in your library`);
  if (summary.failed > 0) parts.push(`${summary.failed} failed`);
  return parts.join(' · ');
};
