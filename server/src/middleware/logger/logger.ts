/**
 * @module Structured logs: one JSON object per line. Callers pass fields, never request bodies or headers; as a
 * second line of defence, fields whose names suggest a secret or personal data are replaced by "[redacted]".
 */
import type { LogLevel } from '../../config';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** True when `level` would be written: lets hot paths skip building fields. */
  isEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
  child(fields: LogFields): Logger;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const REDACTED_KEY = /token|authorization|authkey|password|secret|ciphertext|email|cookie|key$/i;

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; stdout by default. */
  readonly write?: (line: string) => void;
  readonly base?: LogFields;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = RANK[options.level];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.base ?? {};

  const log = (level: Exclude<LogLevel, 'silent'>, msg: string, fields: LogFields | undefined) => {
    if (RANK[level] < threshold) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
    for (const source of [base, fields ?? {}]) {
      for (const [key, value] of Object.entries(source)) {
        entry[key] = REDACTED_KEY.test(key)
          ? '[redacted]'
          : value instanceof Error
            ? errorToFields(value)
            : value;
      }
    }
    write(JSON.stringify(entry));
  };

  return {
    debug: (msg, fields) => log('debug', msg, fields),
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
    isEnabled: (level) => RANK[level] >= threshold,
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}

function errorToFields(error: Error): Record<string, unknown> {
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(error.cause instanceof Error ? { cause: errorToFields(error.cause) } : {}),
  };
}
