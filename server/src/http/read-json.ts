/**
 * @module Reading requests at the HTTP edge: the body as JSON validated by a protocol schema, and the query string
 * likewise. Every way a request can be wrong becomes a 4xx problem here, before any handler logic runs.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './app-env';
import { problem } from './problem';

/** Used when no body-limit middleware has set a route-specific limit. */
const DEFAULT_BODY_LIMIT = 64 * 1024;

export async function readJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  const contentType = c.req.header('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw problem(415, 'unsupported_media_type', 'Send the body as application/json.');
  }
  const text = await readBodyText(c, c.get('bodyLimit') ?? DEFAULT_BODY_LIMIT);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw problem(400, 'malformed_json', 'The body could not be parsed as JSON.');
  }
  return parseOrThrow(schema, value);
}

/** Query parameters (each the last value given) validated by a schema, e.g. one with z.coerce fields. */
export function readQuery<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.output<S> {
  return parseOrThrow(schema, c.req.query());
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw problem(400, 'validation_failed', 'See `issues` for what is wrong.', { issues });
}

/** Reads at most `maxBytes`, whatever Content-Length claims (chunked bodies declare none), as strict UTF-8. */
async function readBodyText(c: Context<AppEnv>, maxBytes: number): Promise<string> {
  const tooLarge = () => problem(413, 'payload_too_large', `The body may be at most ${maxBytes} bytes.`);
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge();
  const body = c.req.raw.body;
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw problem(400, 'malformed_json', 'The body is not valid UTF-8.');
  }
}
