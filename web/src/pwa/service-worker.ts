/**
 * @module The service worker: makes the app shell open offline, and does nothing else.
 *
 * It caches exactly the files the build listed (built assets, index.html, icons, manifest) and answers only
 * requests for those files and page navigations (with the cached index.html). Every other request, API calls,
 * blob downloads and `blob:` URLs included, is not intercepted at all, so nothing from the API and nothing
 * decrypted can ever land in Cache Storage. A new version installs in the background and waits until the page
 * asks it to take over (the update prompt).
 *
 * [Note: Copying unchanged files forward]
 * Each version has its own cache, filled at install. A built asset's name carries a hash of its bytes
 * (`assets/name-HASH.ext`), so one an earlier version's cache already holds is copied from there, not fetched
 * again: an update downloads only the files that changed, plus the few without a hash (index.html, the icons,
 * the web manifest).
 *
 * [Note: The HEIC decoder offline]
 * The build's optional files (the HEIC decoder, ~1.5 MB, needed only for HEIC in browsers other than Safari) are
 * cached at install too, after the shell and without failing it, so a HEIC chosen offline gets its thumbnails even
 * if none was ever met online. Copying forward means they are downloaded once, not at every update. One the
 * install could not fetch is cached the first time the app loads it.
 */

interface ShellManifest {
  readonly version: string;
  readonly files: ReadonlyArray<string>;
  /** Cached at install when they can be (an install does not fail without them), else when first loaded. */
  readonly optionalFiles: ReadonlyArray<string>;
}

// Minimal shapes of the service worker globals; the package's TypeScript lib is DOM, not WebWorker.
interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEventLike extends ExtendableEventLike {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScopeLike {
  readonly registration: { readonly scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

// Sent by the page when the person accepts the update (src/pwa/create-app-update.ts sends the same string).
const SKIP_WAITING_MESSAGE = 'halyon:skip-waiting';
const CACHE_PREFIX = 'halyon-shell-';

// Replaced at build time (build/service-worker-plugin.ts).
const manifest = JSON.parse('__HALYON_SHELL_MANIFEST__') as ShellManifest;
const scope = self as unknown as ServiceWorkerScopeLike;
const cacheName = `${CACHE_PREFIX}${manifest.version}`;
const base = new URL(scope.registration.scope);
const shellUrls = new Set(manifest.files.map((file) => new URL(file, base).href));
const optionalUrls = new Set(manifest.optionalFiles.map((file) => new URL(file, base).href));
const indexUrl = new URL('index.html', base).href;

/** Built assets are named by their bytes' hash (Vite's `assets/[name]-[hash].[ext]`). */
const isNamedByHash = (url: string): boolean => /\/assets\/[^/]+-[\w-]{8,}\.\w+$/.test(url);

/** Caches `url` in `cache`: from an earlier version's cache when its name says its bytes are the same. */
const cacheFile = async (cache: Cache, url: string, earlier: ReadonlyArray<Cache>): Promise<void> => {
  if (isNamedByHash(url)) {
    for (const other of earlier) {
      const kept = await other.match(url);
      if (kept) return cache.put(url, kept);
    }
  }
  // `reload` skips the HTTP cache, so the new version never mixes in stale files.
  const response = await fetch(new Request(url, { cache: 'reload' }));
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return cache.put(url, response);
};

const install = async (): Promise<void> => {
  const cache = await caches.open(cacheName);
  const earlierNames = (await caches.keys()).filter((n) => n.startsWith(CACHE_PREFIX) && n !== cacheName);
  const earlier = await Promise.all(earlierNames.map((name) => caches.open(name)));
  await Promise.all([...shellUrls].map((url) => cacheFile(cache, url, earlier)));
  await Promise.all([...optionalUrls].map((url) => cacheFile(cache, url, earlier).catch(() => undefined)));
};

scope.addEventListener('install', (event) => {
  event.waitUntil(install());
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== cacheName).map((n) => caches.delete(n)),
        ),
      )
      .then(() => scope.clients.claim()),
  );
});

scope.addEventListener('message', (event) => {
  if (event.data === SKIP_WAITING_MESSAGE) void scope.skipWaiting();
});

const isApiPath = (url: URL): boolean => url.pathname.startsWith('/api/') || url.pathname === '/api';

scope.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== base.origin || isApiPath(url)) return;
  if (optionalUrls.has(url.href)) {
    event.respondWith(
      caches.open(cacheName).then(async (cache) => {
        const cached = await cache.match(url.href);
        if (cached) return cached;
        const response = await fetch(request);
        if (response.ok) await cache.put(url.href, response.clone());
        return response;
      }),
    );
    return;
  }
  const cacheKey = request.mode === 'navigate' ? indexUrl : shellUrls.has(url.href) ? url.href : null;
  if (cacheKey === null) return;
  event.respondWith(
    caches
      .open(cacheName)
      .then((cache) => cache.match(cacheKey))
      .then((cached) => cached ?? fetch(request)),
  );
});
