/**
 * @module `halyon thumbnails`: makes the thumbnails missing from the library that this machine can decode (images
 * with sharp and libheif-js, videos with ffmpeg when it is installed), as the web app does in the background.
 * See: [Note: Thumbnails made later]
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { deriveUploadStateKey } from '../library/derived-keys';
import { createFetchBlobApi } from '../upload/blob-api';
import { createNodeThumbnailMaker, createNodeUploadFetch, ffmpegVersion } from '../upload/node';
import { backfillThumbnails, triedPhotosIn } from '../upload/thumbnail-backfill';
import { type CliIo, describeTransportError, type ExitCode, fail, syncOrFail, withClient } from './signed-in';

/** What this machine decodes with. */
const nodeDecoders = async () =>
  `node ${process.version}; libvips ${sharp.versions.vips}; ${(await ffmpegVersion()) ?? 'no ffmpeg'}`;

export const makeThumbnails = (io: CliIo): Promise<ExitCode> =>
  withClient(io, async ({ client, session, masterKey, accessToken, save }) => {
    if (!(await syncOrFail(io, client, 'cannot read the library: '))) return 1;
    const made = await backfillThumbnails(
      {
        api: createFetchBlobApi({
          baseUrl: session.server,
          accessToken,
          fetch: createNodeUploadFetch(io.fetch),
        }),
        thumbnails: createNodeThumbnailMaker(),
        library: client.library,
        // Installing or updating ffmpeg (or sharp) makes the videos tried before worth another try.
        tried: triedPhotosIn(client.store, deriveUploadStateKey(masterKey), await nodeDecoders()),
        newId: randomUUID,
      },
      io.signal,
    );
    await save();
    if (!made.ok) return fail(io, `stopped: ${describeTransportError(made.error)}; run it again to carry on`);
    // The photos' records go out now; if this fails they stay saved and the next command sends them.
    if (!(await syncOrFail(io, client, 'the thumbnails are made but not sent yet: '))) return 1;
    const { made: count, undecodable } = made.value;
    io.print(`${count} photo(s) got thumbnails, ${undecodable} cannot be decoded on this machine`);
    return 0;
  });
