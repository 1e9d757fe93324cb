/**
 * @module The library commands: `list` with its filters, and `tag` / `album` to create, list, add and remove.
 * Tags and albums are named by name or id. Changes are written locally, then synced; a change that could not be
 * sent stays in the local outbox for the next `halyon sync`.
 */
import type { HalyonClient } from '../library/client';
import type { PhotoView } from '../library/queries';
import { err, ok, type Result } from '../result';
import { type CliIo, type ExitCode, fail, printable, syncOrFail, withClient } from './signed-in';

export type ListWhat = 'photos' | 'tags' | 'albums' | 'trash';
export const LIST_WHATS: readonly ListWhat[] = ['photos', 'tags', 'albums', 'trash'];

export interface ListOptions {
  readonly album?: string | undefined;
  readonly tag?: string | undefined;
  /** One JSON object per line, for scripts. */
  readonly json?: boolean | undefined;
}

interface Named {
  readonly id: string;
  readonly name: string;
}

const namedOf = (client: HalyonClient, what: 'tag' | 'album'): readonly Named[] =>
  what === 'tag' ? client.library.queries.tags() : client.library.queries.albums();

/** The tag or album with this id, else the one with exactly this name; two of one name must be told by id. */
export const findNamed = <T extends Named>(
  items: readonly T[],
  what: 'tag' | 'album',
  nameOrId: string,
): Result<T | undefined, string> => {
  const byId = items.find((item) => item.id === nameOrId);
  if (byId) return ok(byId);
  const byName = items.filter((item) => item.name === nameOrId);
  if (byName.length > 1) {
    return err(
      `${byName.length} ${what}s are named ${printable(nameOrId)}; use one of their ids: ${byName.map((i) => i.id).join(', ')}`,
    );
  }
  return ok(byName[0]);
};

/** The existing tag or album, or an error line naming what is missing. */
const findExisting = <T extends Named>(items: readonly T[], what: 'tag' | 'album', nameOrId: string) => {
  const found = findNamed(items, what, nameOrId);
  if (!found.ok) return found;
  return found.value ? ok(found.value) : err(`no ${what} named ${printable(nameOrId)}`);
};

/** The tag or album of this name, created if there is none. */
export const findOrCreate = async (
  client: HalyonClient,
  what: 'tag' | 'album',
  nameOrId: string,
): Promise<Result<string, string>> => {
  const found = findNamed(namedOf(client, what), what, nameOrId);
  if (!found.ok) return found;
  if (found.value) return ok(found.value.id);
  return ok(
    what === 'tag' ? await client.library.createTag(nameOrId) : await client.library.createAlbum(nameOrId),
  );
};

/** The photos an `--album` or `--tag` selects (live ones), or every photo not in the trash. */
export const selectPhotos = (
  client: HalyonClient,
  { album, tag }: Pick<ListOptions, 'album' | 'tag'>,
): Result<readonly PhotoView[], string> => {
  const q = client.library.queries;
  if (album !== undefined && tag !== undefined) return err('choose --album or --tag, not both');
  if (album !== undefined) {
    const found = findExisting(q.albums(), 'album', album);
    return found.ok ? ok(q.byAlbum(found.value.id)) : found;
  }
  if (tag !== undefined) {
    const found = findExisting(q.tags(), 'tag', tag);
    return found.ok ? ok(q.byTag(found.value.id)) : found;
  }
  return ok([...q.timeline().flatMap((day) => day.photos), ...q.archive()]);
};

/** YYYY-MM-DD in this machine's time zone, as the timeline groups photos. */
const localDay = (ms: number) => {
  const d = new Date(ms);
  const pad = (n: number) => n.toString().padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

export const list = (io: CliIo, what: ListWhat, options: ListOptions = {}): Promise<ExitCode> =>
  withClient(io, async ({ client }) => {
    const q = client.library.queries;
    // Names are user data (possibly from another member): JSON, or escaped, never raw terminal input.
    const row = (json: Record<string, unknown>, columns: readonly (string | number)[]) =>
      io.print(options.json ? JSON.stringify(json) : columns.join('\t'));
    const photoRow = (p: PhotoView) =>
      row({ id: p.id, date: p.date, fileName: p.fileName, caption: p.caption, trashedAt: p.trashedAt }, [
        p.id,
        localDay(p.date),
        printable(p.fileName),
      ]);
    switch (what) {
      case 'photos': {
        const photos = selectPhotos(client, options);
        if (!photos.ok) return fail(io, photos.error);
        for (const p of photos.value) photoRow(p);
        return 0;
      }
      case 'trash':
        for (const p of q.trash()) photoRow(p);
        return 0;
      case 'tags':
        for (const t of q.tags())
          row({ id: t.id, name: t.name, photos: t.photoCount }, [t.id, t.photoCount, printable(t.name)]);
        return 0;
      case 'albums':
        for (const a of q.albums())
          row({ id: a.id, name: a.name, photos: a.photoCount }, [a.id, a.photoCount, printable(a.name)]);
        return 0;
    }
  });

export type OrganiseAction = 'create' | 'add' | 'remove';
export const ORGANISE_ACTIONS: readonly OrganiseAction[] = ['create', 'add', 'remove'];

/** `halyon tag|album create NAME`, `add NAME PHOTO-ID...`, `remove NAME PHOTO-ID...`; then a sync. */
export const organise = (
  io: CliIo,
  what: 'tag' | 'album',
  action: OrganiseAction,
  nameOrId: string,
  photoIds: readonly string[],
): Promise<ExitCode> =>
  withClient(io, async ({ client }) => {
    const { library } = client;
    // Pull first, so a tag or album made on another device is found by its name (offline: what this device has).
    const pulled = await client.sync();
    if (!pulled.ok) io.printError('warning: could not sync first; using what this device has');
    const q = library.queries;
    if (action === 'create') {
      const found = findNamed(namedOf(client, what), what, nameOrId);
      if (found.ok && found.value)
        return fail(io, `the ${what} ${printable(nameOrId)} exists already: ${found.value.id}`);
      io.print(what === 'tag' ? await library.createTag(nameOrId) : await library.createAlbum(nameOrId));
    } else {
      const target = findExisting(namedOf(client, what), what, nameOrId);
      if (!target.ok) return fail(io, target.error);
      const unknown = photoIds.filter((id) => !q.photo(id));
      if (unknown.length > 0) return fail(io, `no photo with id ${unknown.map(printable).join(', ')}`);
      const id = target.value.id;
      if (what === 'tag')
        await (action === 'add' ? library.tagPhotos(id, photoIds) : library.untagPhotos(id, photoIds));
      else
        await (action === 'add' ? library.addToAlbum(id, photoIds) : library.removeFromAlbum(id, photoIds));
    }
    return (await syncOrFail(io, client, 'saved on this device, not sent yet (run halyon sync later): '))
      ? 0
      : 1;
  });
