/**
 * @module Reads a pull answer as its lines arrive. The server lays the JSON out one record per line (the head —
 * epoch, cursors, hasMore — and `"changes":[` on the first line, a record per line, `]}` on the last; see
 * server/src/features/sync/sync.routes.ts `pullAnswerText`), so the head is known, and the engine can ask for
 * the next page, before the records have arrived, and each record is parsed and checked as its line comes in.
 * Whatever does not follow that layout exactly (another server, a proxy that re-encodes, a hostile server) is read
 * whole and checked as any JSON answer: the result is always what `JSON.parse` and the protocol schema give.
 * See: [Note: Pulling ahead]
 */
import { type PullResponse, PullResponse as PullResponseSchema } from '@halyon/protocol';
import { isObject } from '../exact-checks';
import { err, ok, type Result } from '../result';
import { chunksOf } from '../streams';
import { isSamePullHead, type PullHead, type TransportError } from '../sync/transport';
import { isPullHead, isPullResponse, isWireRecord } from './pull-check';

const invalid = (status: number, reason: string) =>
  err<TransportError>({ type: 'InvalidResponse', status, reason });

const HEAD_END = ',"changes":[';
const TAIL = ']}';

/** The head line as a pull head, or undefined where it is not laid out as the server lays it. */
const parseHeadLine = (line: string): PullHead | undefined => {
  if (!line.endsWith(HEAD_END)) return undefined;
  let head: unknown;
  try {
    head = JSON.parse(`${line.slice(0, -HEAD_END.length)}}`);
  } catch {
    return undefined;
  }
  return isObject(head) && isPullHead(head, 0) ? (head as unknown as PullHead) : undefined;
};

/**
 * Reads a 2xx pull answer's body (the caller has checked its status and content type). `onHead` is called once
 * with the head as soon as its line is in and checked, only when the answer is laid out line by line; the answer
 * returned then carries the very same head.
 */
export const readPullAnswer = async (
  response: Response,
  onHead?: (head: PullHead) => void,
): Promise<Result<PullResponse, TransportError>> => {
  const status = response.status;
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  let lines = true; // still following the layout
  let head: PullHead | undefined;
  const changes: PullResponse['changes'] = [];
  let pending = ''; // the start of a line whose end has not arrived
  let tailSeen = false;
  let emptyPage = false;
  let lastHadComma = false; // records are separated by a comma ending every record line but the last

  const takeLine = (line: string) => {
    if (head === undefined) {
      head = parseHeadLine(line);
      if (head === undefined) lines = false;
      else onHead?.(head);
      return;
    }
    if (tailSeen) {
      if (line.trim() !== '') lines = false;
      return;
    }
    if (line === TAIL) {
      tailSeen = true;
      if (lastHadComma) lines = false;
      return;
    }
    if (line === '' && changes.length === 0) {
      emptyPage = true; // an empty page: `[`, an empty line, `]}`
      return;
    }
    if (emptyPage || (changes.length > 0 && !lastHadComma)) {
      lines = false;
      return;
    }
    lastHadComma = line.endsWith(',');
    let record: unknown;
    try {
      record = JSON.parse(lastHadComma ? line.slice(0, -1) : line);
    } catch {
      lines = false;
      return;
    }
    if (isWireRecord(record)) changes.push(record);
    else lines = false;
  };

  const body = response.body;
  if (body === null) return invalid(status, 'body is not JSON');
  try {
    for await (const bytes of chunksOf(body)) {
      const text = decoder.decode(bytes, { stream: true });
      chunks.push(text);
      if (!lines) continue;
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1 && lines; end = text.indexOf('\n', start)) {
        takeLine(pending + text.slice(start, end));
        pending = '';
        start = end + 1;
      }
      if (lines) pending += text.slice(start);
    }
    const rest = decoder.decode();
    chunks.push(rest);
    if (lines) takeLine(pending + rest);
  } catch (cause) {
    return err({ type: 'NetworkFailure', message: cause instanceof Error ? cause.message : String(cause) });
  }
  // Every line was checked as it came, separators included: the whole is exactly this answer.
  if (lines && head !== undefined && tailSeen) return ok({ ...head, changes });
  return readWhole(status, chunks.join(''), head);
};

/** The answer read whole, as any JSON answer; it must carry the head already handed out, if one was. */
const readWhole = (
  status: number,
  text: string,
  early: PullHead | undefined,
): Result<PullResponse, TransportError> => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return invalid(status, 'body is not JSON');
  }
  let answer: PullResponse;
  if (isPullResponse(json)) answer = json;
  else {
    const parsed = PullResponseSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return invalid(status, `body does not match the protocol at ${issue?.path.join('.') || '(root)'}`);
    }
    answer = parsed.data;
  }
  if (early !== undefined && !isSamePullHead(early, answer)) {
    return invalid(status, 'the answer contradicts its first line');
  }
  return ok(answer);
};
