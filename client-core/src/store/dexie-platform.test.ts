import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openLocalStore } from './local-store';
import { openUploadStore } from './upload-store';

// The browser worker opens the stores without options: they must find the platform's IndexedDB on their own
// (here fake-indexeddb/auto installs it as the global, as a browser has it).
describe('stores on the platform IndexedDB', () => {
  it('opens the local store with no IndexedDB passed in', async () => {
    const store = await openLocalStore('platform-default-local');
    expect(await store.getDeviceId()).toMatch(/\S/);
    await store.destroy();
  });

  it('opens the upload store with no IndexedDB passed in', async () => {
    const store = await openUploadStore('platform-default-uploads');
    expect(await store.listJobs()).toEqual([]);
    store.close();
  });
});
