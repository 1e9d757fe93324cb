import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../http/app-env';
import { requestId } from '../request-id';
import { createLogger, requestLogger } from './index';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => lines.push(JSON.parse(line)) };
}

describe('request logger', () => {
  it('writes one JSON line per request with id, method, path and status, never the query or headers', async () => {
    const sink = capture();
    const app = new Hono<AppEnv>()
      .use(requestId())
      .use(requestLogger(createLogger({ level: 'info', write: sink.write })))
      .post('/v1/things', (c) => c.json({ ok: true }, 201));
    const response = await app.request('/v1/things?token=hal_at_secret', {
      method: 'POST',
      headers: { Authorization: 'Bearer hal_at_secret' },
      body: '{"authKey":"c2VjcmV0"}',
    });
    expect(sink.lines).toHaveLength(1);
    expect(sink.lines[0]).toMatchObject({
      level: 'info',
      msg: 'request',
      requestId: response.headers.get('x-request-id'),
      method: 'POST',
      path: '/v1/things',
      status: 201,
    });
    expect(JSON.stringify(sink.lines)).not.toContain('secret');
    expect(JSON.stringify(sink.lines)).not.toContain('c2VjcmV0');
  });

  it('writes nothing below its level', async () => {
    const sink = capture();
    const app = new Hono<AppEnv>()
      .use(requestId())
      .use(requestLogger(createLogger({ level: 'warn', write: sink.write })))
      .get('/', (c) => c.text('ok'));
    await app.request('/');
    expect(sink.lines).toEqual([]);
  });
});

describe('logger', () => {
  it('redacts fields whose names suggest secrets or personal data', () => {
    const sink = capture();
    const logger = createLogger({ level: 'debug', write: sink.write }).child({ component: 'test' });
    logger.warn('oops', { accessToken: 't', authKey: 'k', email: 'a@b.c', ciphertext: 'x', userId: 'u1' });
    expect(sink.lines[0]).toMatchObject({
      component: 'test',
      accessToken: '[redacted]',
      authKey: '[redacted]',
      email: '[redacted]',
      ciphertext: '[redacted]',
      userId: 'u1',
    });
  });

  it('writes errors with name, message and stack', () => {
    const sink = capture();
    createLogger({ level: 'error', write: sink.write }).error('failed', { error: new TypeError('bad') });
    expect(sink.lines[0]?.error).toMatchObject({ name: 'TypeError', message: 'bad' });
  });
});
