/**
 * @module Reading a password: from the terminal with echo off, or one line from stdin when stdin is not a
 * terminal (for scripts: `printf '%s\n' "$PW" | halyon sync`). Never from a flag or the environment, which leak
 * into shell history and process listings.
 */
import { createInterface } from 'node:readline';

export const promptPassword = (question: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const input = process.stdin;
    if (!input.isTTY) {
      const lines = createInterface({ input, terminal: false });
      lines.once('line', (line) => {
        lines.close();
        resolve(line);
      });
      lines.once('close', () => reject(new Error('no password on stdin')));
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
