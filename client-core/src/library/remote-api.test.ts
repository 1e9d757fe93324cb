/**
 * The worker's API, reached through comlink over a MessageChannel as the page would, with two tabs of one account
 * sharing a store, against the real server on a loopback port.
 */
import { expose, proxy, wrap } from 'comlink';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { createVault } from '../crypto';
import { openLocalStore } from '../store/local-store';
import { createLocks } from '../sync/testing/locks';
import { useRealServer } from '../testing/real-server';
import { createAuthClient } from '../transport/auth-client';
import type { TagView } from './queries';
import { createRemoteApi, type RemoteApi, type RemotePlatform } from './remote-api';

const real = useRealServer();

const PASSWORD = 'a long enough test password';

const registerAccount = async (email: string) => {
  const created = await createVault(PASSWORD, email);
  if (!created.ok) throw new Error('vault');
  const { envelope, identityBundle, authKeyB64 } = created.value;
  const registered = await createAuthClient({ baseUrl: real.url }).register({
    email,
    authKey: authKeyB64,
    vault: envelope,
    identity: identityBundle,
  });
  if (!registered.ok) throw new Error('register');
};

describe('worker API', () => {
  it('signs in, runs commands and streams watched queries to the page; a second tab sees its writes', async () => {
    const email = `worker-${Date.now()}@example.test`;
    await registerAccount(email);
    const locks = createLocks();
    const platform: RemotePlatform = {
      openStore: (name) => openLocalStore(name, { indexedDB, IDBKeyRange }),
      network: { isOnline: () => true, onChange: () => () => {} },
      locks,
      openChannel: (name) => new BroadcastChannel(name),
      deviceName: 'test tab',
    };

    // Tab 1, through comlink as a page talks to its worker.
    const channel = new MessageChannel();
    const inWorker = createRemoteApi(platform);
    expose(inWorker, channel.port1 as never);
    const page = wrap<RemoteApi>(channel.port2 as never);
    expect(await page.query('tags')).toEqual({ ok: false, error: { type: 'NotSignedIn' } });
    expect(await page.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });

    const seen: Array<readonly TagView[]> = [];
    const stop = await page.watch(
      'tags',
      [],
      proxy((tags: readonly TagView[]) => void seen.push(tags)) as never,
    );
    expect(stop).not.toBeNull();

    // Tab 2, same account, same store: its write shows in tab 1 and reaches the server through the leader.
    const tab2 = createRemoteApi(platform);
    expect(await tab2.signIn(real.url, email, PASSWORD)).toMatchObject({ ok: true });
    const created = await tab2.run('createTag', 'Made in tab 2');
    if (!created.ok) throw new Error('not signed in');
    await vi.waitFor(() => expect(seen.at(-1)?.map((t) => t.name)).toEqual(['Made in tab 2']), {
      timeout: 10_000,
    });
    await vi.waitFor(() => expect(inWorker.status()).toMatchObject({ state: 'idle' }), { timeout: 10_000 });

    const wrongPassword = await createRemoteApi(platform).signIn(real.url, email, 'not it');
    expect(wrongPassword).toMatchObject({ ok: false });

    await (stop as unknown as () => Promise<void>)();
    await tab2.lock();
    await page.lock();
    channel.port1.close();
    channel.port2.close();
  });
});
