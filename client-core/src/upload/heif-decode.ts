/**
 * @module HEIC/HEIF decoding with libheif-js (an Emscripten build of libheif, LGPL-3.0, used as a separate,
 * unmodified module), for the platforms that cannot decode HEIC themselves: Chromium and Firefox in the browser
 * worker, sharp's prebuilt libvips in Node. The platform injects how the module is loaded (a lazily imported
 * chunk and a .wasm file from our origin in the browser, the package's files in Node); this file holds what both
 * do with it. See: [Note: HEIC through libheif-js]
 *
 * [Note: HEIC through libheif-js]
 * - The primary image is decoded (not the file's first image, which need not be it) to 8-bit RGBA. libheif
 *   applies the file's transforms (clap, irot, imir) while decoding, so the pixels come out upright; the EXIF
 *   orientation a phone also writes into a HEIC describes the same turn and must not be applied again (HEIF
 *   says the transform properties rule). The size reported is the upright one.
 * - The pixels are handed over as a view into the WASM memory, not copied (a 12 MP photo is 48 MB of RGBA), and
 *   the image is freed as soon as the caller's `use` has finished with them. Decodes run one at a time, so no
 *   second decode grows (and so detaches) the memory under a view still in use, and two 12 MP photos are never
 *   held at once.
 * - WASM memory only grows: after a 12 MP photo the instance keeps ~100 MB. The module is dropped once no HEIC
 *   has come for `idleMs`, so that memory goes back to the garbage collector; the next HEIC loads it again
 *   (~50 ms in Node; in a browser the .wasm comes from the HTTP cache).
 */

/** The part of libheif-js's embind API used here; its handles are opaque. */
export interface Libheif {
  heif_context_alloc(): unknown;
  heif_context_free(context: unknown): void;
  heif_context_read_from_memory(context: unknown, bytes: Uint8Array): { readonly code: unknown };
  /** A handle, or an error object with a non-zero `code`. */
  heif_js_context_get_primary_image_handle(context: unknown): unknown;
  heif_image_handle_release(handle: unknown): void;
  heif_image_handle_get_width(handle: unknown): number;
  heif_image_handle_get_height(handle: unknown): number;
  heif_js_decode_image2(handle: unknown, colorspace: unknown, chroma: unknown): unknown;
  heif_image_release(image: unknown): void;
  readonly heif_error_code: { readonly heif_error_Ok: unknown };
  readonly heif_colorspace: { readonly heif_colorspace_RGB: unknown };
  readonly heif_chroma: { readonly heif_chroma_interleaved_RGBA: unknown };
  readonly heif_channel: { readonly heif_channel_interleaved: unknown };
}

interface DecodedPlane {
  readonly id: unknown;
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly data: Uint8Array;
}

interface DecodedImage {
  readonly image: unknown;
  readonly width: number;
  readonly height: number;
  readonly channels: ReadonlyArray<DecodedPlane>;
}

/** The upright primary image's pixels: valid only until `use` settles (they live in the WASM memory). */
export interface HeifPixels {
  readonly width: number;
  readonly height: number;
  /** RGBA, `stride` bytes a row (at least width * 4; libheif pads rows). */
  readonly rgba: Uint8Array;
  readonly stride: number;
}

export interface HeifDecoder {
  /** null when the bytes are not a HEIF image libheif can decode, or it is larger than the pixel limit. */
  decode<T>(bytes: Uint8Array, use: (pixels: HeifPixels) => Promise<T> | T): Promise<T | null>;
}

export interface HeifDecoderOptions {
  /** Drop the module (and its grown memory) after this long without a HEIC; default 20 s. */
  readonly idleMs?: number;
  /** Larger images are not decoded (memory: 4 bytes a pixel plus the YCbCr planes); default 64 MP. */
  readonly maxPixels?: number;
}

/** 64 MP: a 48 MP phone photo (8064x6048) fits, with ~400 MB of WASM memory at the peak. */
const MAX_HEIF_PIXELS = 64 * 1024 * 1024;

const isDecodedImage = (value: unknown): value is DecodedImage =>
  typeof value === 'object' && value !== null && 'channels' in value && 'image' in value;

const hasErrorCode = (value: unknown): boolean =>
  typeof value !== 'object' || value === null || ('code' in value && Boolean(value.code));

/**
 * Emscripten modules report readiness through `onRuntimeInitialized`; in Node this build initialises before its
 * factory returns, in a browser once the WASM has been instantiated.
 */
export const whenLibheifReady = <M>(
  create: (options: Record<string, unknown>) => M,
  options = {},
): Promise<M> =>
  new Promise((resolve, reject) => {
    let module: M | undefined;
    let isReady = false;
    try {
      module = create({
        ...options,
        onRuntimeInitialized: () => {
          isReady = true;
          if (module !== undefined) resolve(module);
        },
        onAbort: (reason: unknown) => reject(new Error(`libheif aborted: ${String(reason)}`)),
      });
    } catch (error) {
      reject(error);
      return;
    }
    if (isReady) resolve(module);
  });

const decodePrimary = async <T>(
  libheif: Libheif,
  bytes: Uint8Array,
  maxPixels: number,
  use: (pixels: HeifPixels) => Promise<T> | T,
): Promise<T | null> => {
  const context = libheif.heif_context_alloc();
  let handle: unknown = null;
  let decoded: DecodedImage | null = null;
  try {
    const read = libheif.heif_context_read_from_memory(context, bytes);
    if (read.code !== libheif.heif_error_code.heif_error_Ok) return null;
    const found = libheif.heif_js_context_get_primary_image_handle(context);
    if (hasErrorCode(found)) return null;
    handle = found;
    const pixels = libheif.heif_image_handle_get_width(handle) * libheif.heif_image_handle_get_height(handle);
    if (!(pixels > 0 && pixels <= maxPixels)) return null;
    const image = await libheif.heif_js_decode_image2(
      handle,
      libheif.heif_colorspace.heif_colorspace_RGB,
      libheif.heif_chroma.heif_chroma_interleaved_RGBA,
    );
    if (!isDecodedImage(image) || hasErrorCode(image)) return null;
    decoded = image;
    const plane = image.channels.find((c) => c.id === libheif.heif_channel.heif_channel_interleaved);
    if (!plane || plane.stride < plane.width * 4 || plane.data.length < plane.stride * plane.height)
      return null;
    return await use({ width: plane.width, height: plane.height, rgba: plane.data, stride: plane.stride });
  } finally {
    if (decoded) libheif.heif_image_release(decoded.image);
    if (handle) libheif.heif_image_handle_release(handle);
    libheif.heif_context_free(context);
  }
};

/** A decoder over a lazily loaded libheif module: loaded at the first HEIC, dropped when idle. */
export const createHeifDecoder = (
  load: () => Promise<Libheif>,
  options: HeifDecoderOptions = {},
): HeifDecoder => {
  const idleMs = options.idleMs ?? 20_000;
  const maxPixels = options.maxPixels ?? MAX_HEIF_PIXELS;
  let loaded: Promise<Libheif> | null = null;
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  let queue: Promise<unknown> = Promise.resolve();

  const release = () => {
    loaded = null;
    idleTimer = null;
  };

  const decodeOne = async <T>(bytes: Uint8Array, use: (pixels: HeifPixels) => Promise<T> | T) => {
    if (idleTimer) clearTimeout(idleTimer);
    loaded ??= load();
    const current = loaded;
    try {
      return await decodePrimary(await current, bytes, maxPixels, use);
    } catch {
      // A failed load, libheif aborting (its memory may be in any state) or `use` failing: the file gets no
      // thumbnail, and the next one starts from a fresh module.
      if (loaded === current) loaded = null;
      return null;
    } finally {
      idleTimer = setTimeout(release, idleMs);
      // Node: an idle timer must not keep a finished CLI alive.
      (idleTimer as { unref?: () => void }).unref?.();
    }
  };

  return {
    decode(bytes, use) {
      const result = queue.then(() => decodeOne(bytes, use));
      queue = result.catch(() => {});
      return result;
    },
  };
};
