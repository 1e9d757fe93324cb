#!/usr/bin/env -S npx tsx
/**
 * @module `halyon`: the command-line client, and the reference third-party client of the sync and blob APIs.
 * Its directory is $HALYON_HOME (default ~/.halyon): the session, the local store and the upload queue, all
 * ciphertext. Usage below and in docs/cli.md.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUCKET_ACTIONS, type BucketAction, bucket } from './bucket';
import { login, register, status, sync } from './commands';
import { download, exportLibrary } from './export';
import {
  LIST_WHATS,
  type ListWhat,
  list,
  ORGANISE_ACTIONS,
  type OrganiseAction,
  organise,
} from './library-commands';
import { promptPassword } from './prompt';
import type { CliIo, ExitCode } from './signed-in';
import { makeThumbnails } from './thumbnails';
import { upload } from './upload';

const USAGE = `usage:
  halyon register --server URL --email ADDRESS
  halyon login    --server URL --email ADDRESS
  halyon status   [--json]
  halyon sync
  halyon list     [photos|tags|albums|trash] [--album NAME | --tag NAME] [--trash] [--json]
  halyon upload   FILE-OR-FOLDER... [--album NAME] [--tag NAME]
  halyon download PHOTO-ID... [--out DIR]
  halyon export   [--out DIR] [--album NAME | --tag NAME]
  halyon thumbnails   (makes the thumbnails missing from the library that this machine can decode)
  halyon bucket   show | remove | set --region R --bucket NAME --access-key-id ID [--endpoint URL] [--prefix P/] [--path-style]
  halyon tag      list | create NAME | add NAME PHOTO-ID... | remove NAME PHOTO-ID...
  halyon album    list | create NAME | add NAME PHOTO-ID... | remove NAME PHOTO-ID...
The password (and a bucket's secret key) is read from the terminal (or one line of stdin), never from a flag.`;

/** stdout for results, stderr for errors and for one progress line that rewrites itself on a terminal. */
const terminalIo = (signal: AbortSignal): CliIo => {
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) process.stderr.write('\r\x1b[K');
    progressShown = false;
  };
  return {
    home: process.env.HALYON_HOME ?? join(homedir(), '.halyon'),
    print: (line) => {
      clearProgress();
      process.stdout.write(`${line}\n`);
    },
    printError: (line) => {
      clearProgress();
      process.stderr.write(`${line}\n`);
    },
    ...(process.stderr.isTTY
      ? {
          progress: (line: string) => {
            clearProgress();
            process.stderr.write(line);
            progressShown = line.length > 0;
          },
        }
      : {}),
    promptPassword,
    signal,
  };
};

const run = async (argv: readonly string[], io: CliIo): Promise<ExitCode> => {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      email: { type: 'string' },
      album: { type: 'string' },
      tag: { type: 'string' },
      out: { type: 'string' },
      trash: { type: 'boolean' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      'path-style': { type: 'boolean' },
      'access-key-id': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  const account = () =>
    values.server && values.email ? { server: values.server, email: values.email } : null;
  switch (values.help ? 'help' : command) {
    case 'register':
    case 'login': {
      const given = account();
      if (!given) break;
      return (command === 'register' ? register : login)(io, given.server, given.email);
    }
    case 'status':
      return status(io, { json: values.json ?? false });
    case 'sync':
      return sync(io);
    case 'list': {
      const what = (values.trash ? 'trash' : (rest[0] ?? 'photos')) as ListWhat;
      if (!LIST_WHATS.includes(what)) break;
      return list(io, what, { album: values.album, tag: values.tag, json: values.json });
    }
    case 'upload':
      return upload(io, rest, { album: values.album, tag: values.tag });
    case 'download':
      return download(io, rest, { out: values.out });
    case 'thumbnails':
      return makeThumbnails(io);
    case 'bucket': {
      const action = (rest[0] ?? 'show') as BucketAction;
      if (!BUCKET_ACTIONS.includes(action)) break;
      return bucket(io, action, {
        endpoint: values.endpoint,
        region: values.region,
        bucket: values.bucket,
        prefix: values.prefix,
        pathStyle: values['path-style'],
        accessKeyId: values['access-key-id'],
      });
    }
    case 'export':
      return exportLibrary(io, { out: values.out, album: values.album, tag: values.tag });
    case 'tag':
    case 'album': {
      const [action = 'list', name, ...photoIds] = rest;
      if (action === 'list') return list(io, command === 'tag' ? 'tags' : 'albums', { json: values.json });
      if (!ORGANISE_ACTIONS.includes(action as OrganiseAction) || name === undefined) break;
      if (action !== 'create' && photoIds.length === 0) break;
      return organise(io, command === 'tag' ? 'tag' : 'album', action as OrganiseAction, name, photoIds);
    }
  }
  process.stderr.write(`${USAGE}\n`);
  return command === undefined || values.help ? 0 : 1;
};

// Started as the package's `cli` script, pnpm runs us in client-core/: paths on the command line are the caller's.
if (process.env.npm_lifecycle_event === 'cli' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  process.stderr.write('\nstopping... (Ctrl-C again to quit at once)\n');
  interrupt.abort();
});

run(process.argv.slice(2), terminalIo(interrupt.signal)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`halyon: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
