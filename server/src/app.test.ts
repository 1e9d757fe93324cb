import { PROBLEM_CONTENT_TYPE, Problem, ServerInfo } from '@halyon/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeSpecs } from './app';
import { createLogger } from './middleware/logger';
import { startTestServer, type TestServer } from './test/test-server';

let server: TestServer;
const errorLogLines: string[] = [];
let shuttingDown = false;
beforeAll(async () => {
  server = await startTestServer({
    extendDeps: (deps) => ({
      ...deps,
      logger: createLogger({ level: 'error', write: (line) => errorLogLines.push(line) }),
      lifecycle: {
        isShuttingDown: () => shuttingDown,
        beginShutdown: () => {
          shuttingDown = true;
        },
      },
    }),
  });
  // A route with a bug in it, to see what a crash looks like from outside.
  server.app.get('/test/crash', () => {
    throw new Error('secret internal detail');
  });
});
afterAll(async () => {
  await server?.close();
});

async function expectProblem(response: Response, status: number, code: string): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const body = Problem.parse(await response.json());
  expect(body).toMatchObject({ status, code, type: `/v1/docs#error-${code}` });
  expect(body.requestId).toBe(response.headers.get('x-request-id'));
  return body;
}

const post = (path: string, body: string, contentType = 'application/json') =>
  server.request(path, { method: 'POST', body, headers: { 'Content-Type': contentType } });

describe('errors', () => {
  it('answers malformed JSON with 400 malformed_json', async () => {
    await expectProblem(await post('/v1/auth/prelogin', '{"email":'), 400, 'malformed_json');
  });

  it('answers wrong types with 400 validation_failed listing the fields', async () => {
    const body = await expectProblem(
      await post('/v1/auth/prelogin', '{"email":42}'),
      400,
      'validation_failed',
    );
    expect(body.issues?.[0]?.path).toBe('email');
  });

  it('answers a non-JSON content type with 415 unsupported_media_type', async () => {
    await expectProblem(
      await post('/v1/auth/prelogin', 'email=a@b.c', 'application/x-www-form-urlencoded'),
      415,
      'unsupported_media_type',
    );
  });

  it('answers an oversize body with 413 payload_too_large', async () => {
    const huge = JSON.stringify({ email: `${'a'.repeat(70_000)}@example.test` });
    await expectProblem(await post('/v1/auth/prelogin', huge), 413, 'payload_too_large');
  });

  it('answers an unknown route with 404 not_found', async () => {
    await expectProblem(await server.request('/v1/nothing-here'), 404, 'not_found');
  });

  it('answers a known route asked with the wrong method with 405 and Allow', async () => {
    const response = await server.request('/v1/auth/login', { method: 'GET' });
    await expectProblem(response, 405, 'method_not_allowed');
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('answers a crash with 500 internal and a request id, leaking nothing', async () => {
    const response = await server.request('/test/crash');
    const body = await expectProblem(response, 500, 'internal');
    expect(JSON.stringify(body)).not.toContain('secret internal detail');
    // The operator gets the detail, findable by the id the client saw.
    const logged = errorLogLines.map((line) => JSON.parse(line)).find((l) => l.requestId === body.requestId);
    expect(logged?.error?.message).toBe('secret internal detail');
  });
});

describe('operations endpoints', () => {
  it('GET /healthz says the process is up', async () => {
    const response = await server.request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz says ready until shutdown begins, then 503 unavailable', async () => {
    expect((await server.request('/readyz')).status).toBe(200);
    server.deps.lifecycle.beginShutdown();
    try {
      await expectProblem(await server.request('/readyz'), 503, 'unavailable');
    } finally {
      shuttingDown = false;
    }
  });

  it('GET /v1/info gives the protocol version, the epoch and the limits', async () => {
    const response = await server.request('/v1/info');
    const info = ServerInfo.parse(await response.json());
    expect(info.epoch).toBe(server.deps.meta.epoch);
    expect(info.limits.maxOpsPerPush).toBe(server.deps.config.sync.maxOpsPerPush);
  });
});

describe('API description', () => {
  it('GET /v1/openapi.json documents every route the app serves', async () => {
    const response = await server.request('/v1/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(document.openapi).toBe('3.1.0');
    for (const spec of routeSpecs) {
      const operation = document.paths[spec.path]?.[spec.method];
      expect(operation, `${spec.method} ${spec.path}`).toBeDefined();
      for (const status of Object.keys(spec.responses)) expect(operation?.responses[status]).toBeDefined();
    }
    // Every documented route is actually served (not 404/405).
    for (const spec of routeSpecs) {
      const path = spec.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const status = (await server.request(path, { method: spec.method.toUpperCase() })).status;
      expect([404, 405], `${spec.method} ${spec.path} answered ${status}`).not.toContain(status);
    }
  });

  it('GET /v1/docs is a self-contained page: no scripts, a strict CSP, every error code explained', async () => {
    const response = await server.request('/v1/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await response.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\/(?!json-schema)/);
    expect(html).toContain('id="error-refresh_token_reused"');
    expect(html).toContain('/v1/auth/login');
  });
});
