/**
 * @module Reading a password: from the terminal with echo off, or one line from stdin when stdin is not a
 * terminal (for scripts: `printf '%s\n' "$PW" | halyon sync`). Never from a flag or the environment, which leak
 * into shell history and process listings.
 */
import { createInterface } from 'node:readline';

/** stdin's lines, read by one reader for every prompt: `register` asks twice, and a second reader would miss
 * what the first had already buffered. */
let stdinLines: AsyncIterator<string> | null = null;

const readStdinLine = async (): Promise<string> => {
  stdinLines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
  const next = await stdinLines.next();
  if (next.done) throw new Error('no password on stdin');
  return next.value;
};

export const promptPassword = (question: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const input = process.stdin;
    if (!input.isTTY) {
      readStdinLine().then(resolve, reject);
      return;
    }
    process.stderr.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let password = '';
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          input.setRawMode(false);
          input.pause();
          input.off('data', onData);
          process.stderr.write('\n');
          resolve(password);
          return;
        }
        if (char === '\u0003') {
          input.setRawMode(false);
          process.stderr.write('\n');
          reject(new Error('interrupted'));
          return;
        }
        password = char === '\u007f' || char === '\b' ? password.slice(0, -1) : password + char;
      }
    };
    input.on('data', onData);
  });
