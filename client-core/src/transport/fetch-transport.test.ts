import { describe, expect, it } from 'vitest';
import { createFetchTransport } from './fetch-transport';

const EPOCH = '00000000-0000-4000-8000-0000000e0001';

const transportAnswering = (answer: () => Response | Promise<Response>, seen: Request[] = []) =>
  createFetchTransport({
    baseUrl: 'http://127.0.0.1:9/',
    accessToken: () => 'token-1',
    fetch: async (input, init) => {
      seen.push(new Request(input, init));
      return answer();
    },
  });

const json = (status: number, body: unknown, contentType = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });

describe('fetch transport', () => {
  it('sends the bearer token and returns a valid answer parsed', async () => {
    const seen: Request[] = [];
    const transport = transportAnswering(
      () => json(200, { epoch: EPOCH, changes: [], cursors: {}, hasMore: false }),
      seen,
    );
    expect(await transport.pull({ cursors: {} })).toEqual({
      ok: true,
      value: { epoch: EPOCH, changes: [], cursors: {}, hasMore: false },
    });
    expect(seen[0]?.url).toBe('http://127.0.0.1:9/v1/sync/pull');
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer token-1');
  });

  it('turns problem+json into a typed problem with its code', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Gone',
      status: 410,
      code: 'cursor_expired',
      collectionIds: [],
    };
    const transport = transportAnswering(() => json(410, problem, 'application/problem+json'));
    expect(await transport.pull({ cursors: {} })).toEqual({
      ok: false,
      error: { type: 'ProblemResponse', status: 410, problem },
    });
  });

  it('refuses a success body that does not match the protocol', async () => {
    const transport = transportAnswering(() =>
      json(200, { epoch: EPOCH, changes: 'lots', cursors: {}, hasMore: false }),
    );
    expect(await transport.pull({ cursors: {} })).toEqual({
      ok: false,
      error: { type: 'InvalidResponse', status: 200, reason: 'body does not match the protocol at changes' },
    });
  });

  it('refuses an error that is not problem+json, and a problem with an unknown code', async () => {
    const html = transportAnswering(
      () => new Response('<h1>502</h1>', { status: 502, headers: { 'content-type': 'text/html' } }),
    );
    expect(await html.info()).toMatchObject({ ok: false, error: { type: 'InvalidResponse', status: 502 } });
    const unknown = transportAnswering(() =>
      json(400, { type: 'x', title: 'x', status: 400, code: 'made_up' }, 'application/problem+json'),
    );
    expect(await unknown.info()).toMatchObject({
      ok: false,
      error: { type: 'InvalidResponse', status: 400 },
    });
  });

  it('reports a fetch that keeps throwing as a network failure, with its cause', async () => {
    const transport = transportAnswering(() => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    });
    expect(await transport.info()).toEqual({
      ok: false,
      error: { type: 'NetworkFailure', message: 'fetch failed (connect ECONNREFUSED 127.0.0.1:9)' },
    });
  });

  it('retries once at once when a connection drops (a stale kept-alive socket)', async () => {
    let calls = 0;
    const transport = transportAnswering(() => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed', { cause: new Error('other side closed') });
      return json(200, { epoch: EPOCH, changes: [], cursors: {}, hasMore: false });
    });
    expect((await transport.pull({ cursors: {} })).ok).toBe(true);
    expect(calls).toBe(2);
  });

  it('reads events from a stream, skipping comments, unknown events and split chunks', async () => {
    const chunks = [
      'event: ready\ndata: {"epoch":"00000000-0000-4000-8000-0000000e0001"}\n\n: heartbeat\n\n',
      'event: po',
      'ke\ndata: {"collectionId":"00000000-0000-4000-8000-000000000001","seq":5}\r\n\r\n',
      'event: future\ndata: {}\n\nevent: collections\ndata: {"cursor":2}\n\n',
    ];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const transport = transportAnswering(
      () => new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    );
    const stream = await transport.events(new AbortController().signal);
    if (!stream.ok) throw new Error('no stream');
    const events = [];
    for await (const event of stream.value) events.push(event);
    expect(events).toEqual([
      { type: 'ready', epoch: EPOCH },
      { type: 'poke', collectionId: '00000000-0000-4000-8000-000000000001', seq: 5 },
      { type: 'collections', cursor: 2 },
    ]);
  });
});
