import type { Problem } from '@halyon/protocol';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AppEnv } from '../../http/app-env';
import { createErrorHandler } from '../../http/error-handler';
import { readJson } from '../../http/read-json';
import { createLogger } from '../logger';
import { requestId } from '../request-id';
import { bodyLimit } from './index';

const app = new Hono<AppEnv>()
  .use(requestId())
  .use(bodyLimit(100))
  .post('/echo', async (c) => c.json(await readJson(c, z.object({ text: z.string() }))));
app.onError(createErrorHandler(createLogger({ level: 'silent' })));

function streamOf(text: string, chunkBytes: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
}

describe('body limit', () => {
  it('accepts a body up to the limit', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(80) });
    const response = await app.request('/echo', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(response.status).toBe(200);
  });

  it('refuses a declared length over the limit before reading it', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(200) });
    const response = await app.request('/echo', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as Problem).code).toBe('payload_too_large');
  });

  it('stops a chunked body that declares no length at the same limit', async () => {
    const response = await app.request('/echo', {
      method: 'POST',
      body: streamOf(JSON.stringify({ text: 'x'.repeat(500) }), 16),
      headers: { 'Content-Type': 'application/json' },
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as Problem).code).toBe('payload_too_large');
  });
});
