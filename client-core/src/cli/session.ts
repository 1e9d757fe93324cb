/**
 * @module The CLI's signed-in session on disk: server, e-mail, tokens and the vault envelope (all of which the
 * server also has). Never the password, the master key or anything decrypted.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VaultEnvelope } from '@halyon/protocol';
import { z } from 'zod';
import { removeFileStore } from './file-store';

export const CliSession = z.object({
  server: z.string().url(),
  email: z.string(),
  userId: z.string(),
  accessToken: z.string(),
  accessTokenExpiresAt: z.number(),
  refreshToken: z.string(),
  refreshTokenExpiresAt: z.number(),
  vault: VaultEnvelope,
});
export type CliSession = z.infer<typeof CliSession>;

export const sessionPath = (home: string) => join(home, 'session.json');
export const storePath = (home: string) => join(home, 'store.json');
/** The upload queue: sealed jobs and staged thumbnail ciphertext (upload-queue-files.ts). */
export const uploadsPath = (home: string) => join(home, 'uploads');

export const readSession = async (home: string): Promise<CliSession | null> => {
  let text: string;
  try {
    text = await readFile(sessionPath(home), 'utf8');
  } catch {
    return null;
  }
  const parsed = CliSession.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
};

export const writeSession = async (home: string, session: CliSession): Promise<void> => {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const temporary = `${sessionPath(home)}.tmp`;
  await writeFile(temporary, JSON.stringify(session, null, 2), { mode: 0o600 });
  await rename(temporary, sessionPath(home));
};

/** Logging in as someone else starts from an empty local store and upload queue. */
export const forgetLocalData = async (home: string): Promise<void> => {
  await removeFileStore(storePath(home));
  await rm(uploadsPath(home), { recursive: true, force: true });
};
