import { describe, expect, it } from 'vitest';
import { createTestLibrary, TEST_LIBRARY_COLLECTION, testPhoto } from '../library/testing';
import { createMemoryServer } from '../sync/testing/memory-server';
import { createContentHashLookup } from './content-hash-lookup';

const devices = async () => {
  const server = createMemoryServer();
  server.createCollection(TEST_LIBRARY_COLLECTION);
  const phone = await createTestLibrary('phone', server.transport);
  const laptop = await createTestLibrary('laptop', server.transport);
  return { phone, laptop };
};

describe('content hash lookup', () => {
  it('stays right through adds, trashes, restores, deletes, remote changes and a reload, built once', async () => {
    const { phone, laptop } = await devices();
    const { library } = phone;
    let builds = 0;
    const counted = {
      watch: library.watch,
      queries: {
        ...library.queries,
        timeline: () => {
          builds++;
          return library.queries.timeline();
        },
      },
    };
    const lookup = createContentHashLookup(counted, phone.engine);
    /** What a full scan of the library answers, for every hash asked about. */
    const truth = (hash: string) =>
      [
        ...library.queries.timeline().flatMap((d) => d.photos),
        ...library.queries.archive(),
        ...library.queries.trash(),
      ].find((p) => p.contentHash === hash)?.id;
    const hashes = ['AAAB', 'AAAC', 'AAAD', 'AAAE', 'AAAF'];
    const expectRight = () => {
      for (const hash of hashes) expect(lookup(hash), hash).toBe(truth(hash));
    };

    const [a, b] = await library.addPhotos([
      testPhoto({ contentHash: 'AAAB' }),
      testPhoto({ contentHash: 'AAAC' }),
    ]);
    expectRight();
    expect(lookup('AAAB')).toBe(a);
    const c = await library.addPhoto(testPhoto({ contentHash: 'AAAD' }));
    expect(lookup('AAAD')).toBe(c);
    await library.trash([a!]);
    expect(lookup('AAAB')).toBe(a); // a trashed photo is still the same photo
    await library.restore([a!]);
    await library.setArchived([b!], true);
    expectRight();
    await library.deleteForever([c!]);
    expect(lookup('AAAD')).toBeUndefined();
    expectRight();

    const remote = await laptop.library.addPhoto(testPhoto({ contentHash: 'AAAF' }));
    await laptop.sync();
    await phone.sync();
    expect(lookup('AAAF')).toBe(remote);
    await library.deleteForever([remote]);
    expect(lookup('AAAF')).toBeUndefined();
    expectRight();
    expect(builds).toBe(1);

    // A reload the engine does not report key by key: built again, and still right.
    await library.load();
    const d = await library.addPhoto(testPhoto({ contentHash: 'AAAE' }));
    expect(lookup('AAAE')).toBe(d);
    expectRight();
    expect(builds).toBe(2);
  });

  it('finds the other copy when one of two photos with the same hash is deleted', async () => {
    const { phone } = await devices();
    const lookup = createContentHashLookup(phone.library, phone.engine);
    const [first, second] = await phone.library.addPhotos([
      testPhoto({ contentHash: 'AAAG' }),
      testPhoto({ contentHash: 'AAAG' }),
    ]);
    expect([first, second]).toContain(lookup('AAAG'));
    await phone.library.deleteForever([lookup('AAAG')!]);
    expect([first, second]).toContain(lookup('AAAG'));
    await phone.library.deleteForever([lookup('AAAG')!]);
    expect(lookup('AAAG')).toBeUndefined();
  });
});
