/**
 * @module The HTTP implementation of Transport. Every answer is parsed with the protocol schemas before anything
 * uses it: a success body must match its response schema, an error must be application/problem+json with a known
 * code; anything else is an InvalidResponse, and a fetch that throws is a NetworkFailure.
 */
import {
  CollectionsEvent,
  CreateCollectionResponse,
  ListCollectionsResponse,
  PokeEvent,
  PROBLEM_CONTENT_TYPE,
  Problem,
  PushResponse,
  ReadyEvent,
  ReconcileResponse,
  ServerInfo,
} from '@halyon/protocol';
import type { z } from 'zod';
import { err, ok, type Result } from '../result';
import type { ServerEvent, Transport, TransportError } from '../sync/transport';
import { parseEventStream } from './event-stream';
import { readPullAnswer } from './json-lines';

export interface FetchTransportOptions {
  /** e.g. "http://127.0.0.1:8787" (no trailing /v1). */
  readonly baseUrl: string;
  readonly fetch?: typeof fetch;
  /** The current access token, or null when logged out. */
  readonly accessToken: () => string | null | Promise<string | null>;
}

type Fetched = Result<Response, TransportError>;

/** The message, with the underlying cause (e.g. "fetch failed (other side closed)") so failures can be told apart. */
const describeFailure = (cause: unknown): string => {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? cause.cause.message : undefined;
  return inner ? `${cause.message} (${inner})` : cause.message;
};

const networkFailure = (cause: unknown) =>
  err<TransportError>({ type: 'NetworkFailure', message: describeFailure(cause) });

const invalid = (status: number, reason: string) =>
  err<TransportError>({ type: 'InvalidResponse', status, reason });

/** Reads a non-2xx answer: the problem it carries, or why it is not a valid problem. */
export const readProblem = async (response: Response): Promise<Result<never, TransportError>> => {
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith(PROBLEM_CONTENT_TYPE)) {
    return invalid(
      response.status,
      `error without ${PROBLEM_CONTENT_TYPE} (${contentType || 'no content type'})`,
    );
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    // A body cut off mid-way is the network's fault, not the server's format.
    return cause instanceof SyntaxError
      ? invalid(response.status, 'problem body is not JSON')
      : networkFailure(cause);
  }
  const problem = Problem.safeParse(body);
  if (!problem.success) return invalid(response.status, 'problem body does not match the protocol');
  return err({ type: 'ProblemResponse', status: response.status, problem: problem.data });
};

/** Reads a 2xx JSON answer with its protocol schema. (Pull answers: see json-lines.ts.) */
export const readJsonAnswer = async <S extends z.ZodType>(
  response: Response,
  schema: S,
): Promise<Result<z.infer<S>, TransportError>> => {
  if (!response.ok) return readProblem(response);
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('application/json'))
    return invalid(response.status, `unexpected ${contentType}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    return cause instanceof SyntaxError
      ? invalid(response.status, 'body is not JSON')
      : networkFailure(cause);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(
      response.status,
      `body does not match the protocol at ${issue?.path.join('.') || '(root)'}`,
    );
  }
  return ok(parsed.data);
};

const EVENT_SCHEMAS = { ready: ReadyEvent, poke: PokeEvent, collections: CollectionsEvent } as const;

export const createFetchTransport = (options: FetchTransportOptions): Transport => {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/+$/, '');

  const send = async (
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Fetched> => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = await options.accessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const init: RequestInit = {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    if (signal) init.signal = signal;
    // One immediate retry: a kept-alive connection the server has just closed fails at once, and every sync
    // request is safe to repeat (pushes carry op ids, so a repeated push is acknowledged, not applied twice).
    try {
      return ok(await doFetch(`${base}${path}`, init));
    } catch (first) {
      if (signal?.aborted) return networkFailure(first);
      try {
        return ok(await doFetch(`${base}${path}`, init));
      } catch (cause) {
        return networkFailure(cause);
      }
    }
  };

  const call = async <S extends z.ZodType>(schema: S, method: string, path: string, body?: unknown) => {
    const response = await send(method, path, body);
    return response.ok ? readJsonAnswer(response.value, schema) : response;
  };

  return {
    info: () => call(ServerInfo, 'GET', '/v1/info'),
    listCollections: (since) => call(ListCollectionsResponse, 'GET', `/v1/collections?since=${since}`),
    createCollection: (request) => call(CreateCollectionResponse, 'POST', '/v1/collections', request),
    push: (request) => call(PushResponse, 'POST', '/v1/sync/push', request),
    pull: async (request, onHead) => {
      const response = await send('POST', '/v1/sync/pull', request);
      if (!response.ok) return response;
      const answer = response.value;
      if (!answer.ok) return readProblem(answer);
      const contentType = answer.headers.get('content-type') ?? '';
      if (!contentType.startsWith('application/json'))
        return invalid(answer.status, `unexpected ${contentType}`);
      return readPullAnswer(answer, onHead);
    },
    reconcile: (request) => call(ReconcileResponse, 'POST', '/v1/sync/reconcile', request),
    // fetch-streamed rather than EventSource, so the Authorization header can be sent.
    events: async (signal) => {
      const response = await send('GET', '/v1/sync/events', undefined, signal);
      if (!response.ok) return response;
      const answer = response.value;
      if (!answer.ok) return readProblem(answer);
      if (!(answer.headers.get('content-type') ?? '').startsWith('text/event-stream') || !answer.body) {
        return invalid(answer.status, 'not an event stream');
      }
      const body = answer.body;
      return ok({
        async *[Symbol.asyncIterator](): AsyncIterator<ServerEvent> {
          for await (const message of parseEventStream(body, signal)) {
            const schema = EVENT_SCHEMAS[message.event as keyof typeof EVENT_SCHEMAS];
            if (!schema) continue; // unknown events are for newer clients
            let data: unknown;
            try {
              data = JSON.parse(message.data);
            } catch {
              return; // a garbled stream is dropped; the runner reconnects and pulls
            }
            const parsed = schema.safeParse(data);
            if (!parsed.success) return;
            yield { type: message.event, ...parsed.data } as ServerEvent;
          }
        },
      });
    },
  };
};
