#!/usr/bin/env -S npx tsx
/**
 * @module `halyon`: the command-line client, and the reference third-party client of the sync API.
 *   halyon register --server URL --email ADDRESS
 *   halyon login    --server URL --email ADDRESS
 *   halyon status | sync | list [photos|tags|albums|trash]
 * Its directory is $HALYON_HOME (default ~/.halyon): the session and the local store, both ciphertext only.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CliIo, type ExitCode, type ListWhat, list, login, register, status, sync } from './commands';
import { promptPassword } from './prompt';

const USAGE = `usage:
  halyon register --server URL --email ADDRESS
  halyon login    --server URL --email ADDRESS
  halyon status
  halyon sync
  halyon list [photos|tags|albums|trash]`;

const run = async (argv: readonly string[]): Promise<ExitCode> => {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { server: { type: 'string' }, email: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const io: CliIo = {
    home: process.env.HALYON_HOME ?? join(homedir(), '.halyon'),
    print: (line) => process.stdout.write(`${line}\n`),
    promptPassword,
  };
  const [command, argument] = positionals;
  const needAccount = () => {
    if (values.server && values.email) return { server: values.server, email: values.email };
    process.stderr.write(`${USAGE}\n`);
    return null;
  };
  switch (values.help ? 'help' : command) {
    case 'register': {
      const account = needAccount();
      return account ? register(io, account.server, account.email) : 1;
    }
    case 'login': {
      const account = needAccount();
      return account ? login(io, account.server, account.email) : 1;
    }
    case 'status':
      return status(io);
    case 'sync':
      return sync(io);
    case 'list': {
      const what = (argument ?? 'photos') as ListWhat;
      if (!['photos', 'tags', 'albums', 'trash'].includes(what)) break;
      return list(io, what);
    }
  }
  process.stderr.write(`${USAGE}\n`);
  return command === undefined || values.help ? 0 : 1;
};

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`halyon: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
