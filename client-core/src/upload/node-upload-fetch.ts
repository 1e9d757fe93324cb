/**
 * @module Node only: a fetch for the blob API that sends streamed request bodies through node:http(s) with
 * backpressure. Node's built-in fetch (undici) keeps every chunk of a streamed request body in memory until the
 * request ends (nodejs/undici#4058, open), so a 2 GiB upload would hold 2 GiB. Requests without a stream body go
 * to the platform's fetch unchanged. Browsers need none of this.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

const headersOf = (message: IncomingMessage): Headers => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
};

const sendStreamed = (url: URL, init: RequestInit, body: ReadableStream<Uint8Array>): Promise<Response> =>
  new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const req = send(url, { method: init.method ?? 'PUT', headers, signal: init.signal ?? undefined });
    req.on('error', reject);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const nullBody = status === 204 || status === 304 || init.method === 'HEAD';
      // A response read to its end frees its keep-alive socket for the next request; one never read holds it,
      // and every later upload would open a connection of its own.
      if (nullBody) res.resume();
      resolve(
        new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
          status,
          headers: headersOf(res),
        }),
      );
    });
    void (async () => {
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (!req.write(value)) await new Promise<void>((drained) => req.once('drain', drained));
        }
        req.end();
      } catch (error) {
        req.destroy(error instanceof Error ? error : new Error(String(error)));
      } finally {
        reader.releaseLock();
      }
    })();
  });

export const createNodeUploadFetch =
  (platformFetch: typeof fetch = globalThis.fetch.bind(globalThis)): typeof fetch =>
  async (input, init) => {
    if (!(init?.body instanceof ReadableStream)) return platformFetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    try {
      return await sendStreamed(url, init, init.body);
    } catch (cause) {
      // The platform's fetch reports every transport failure as a TypeError; so do we.
      throw new TypeError('fetch failed', { cause });
    }
  };
