import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from './app-env';
import { startHttpServer } from './serve';

describe('graceful stop', () => {
  it('finishes a request in flight, then refuses new connections', async () => {
    let started!: () => void;
    const slowStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    let releaseSlow!: () => void;
    const released = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const app = new Hono<AppEnv>().get('/slow', async (c) => {
      started();
      await released;
      return c.text('finished');
    });
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });

    const inFlight = fetch(`${server.url}/slow`);
    await slowStarted;
    const stopped = server.stop(10_000);
    // Stopping waits for the request: let it finish now.
    await new Promise((resolve) => setTimeout(resolve, 50));
    releaseSlow();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('finished');
    await stopped;
    await expect(fetch(`${server.url}/slow`)).rejects.toThrow();
  });

  it('cuts connections still open after the grace period', async () => {
    const app = new Hono<AppEnv>().get('/forever', () => new Promise<Response>(() => {}));
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    const hanging = fetch(`${server.url}/forever`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.stop(100);
    expect(await hanging).toBeInstanceOf(Error);
  });
});
