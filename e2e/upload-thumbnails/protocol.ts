/** The messages between the fixture page (main.ts) and its worker (thumbnails.worker.ts). */

/** Page -> worker: make the thumbnails of this file. Worker -> page: `made`, or `grab-frame` for a video. */
export type ToWorker =
  | { readonly type: 'make'; readonly requestId: number; readonly file: File }
  | { readonly type: 'frame'; readonly requestId: number; readonly frame: ImageBitmap | null };

export type FromWorker =
  | { readonly type: 'made'; readonly requestId: number; readonly result: MadeThumbnails }
  | { readonly type: 'grab-frame'; readonly requestId: number; readonly video: Blob };

export type MadeThumbnails =
  | {
      readonly ok: true;
      readonly mime: string;
      /** How often the worker had loaded libheif-js when it made these: 0 until a HEIC needs it. */
      readonly libheifLoads: number;
      readonly width: number;
      readonly height: number;
      readonly thumbnail: Uint8Array;
      readonly preview: Uint8Array | null;
    }
  | { readonly ok: false; readonly mime: string; readonly error: string };

/** What the spec reads back: each encoded image's size and two pixels a quarter and three quarters along it. */
export interface ImageReport {
  readonly type: string;
  readonly width: number;
  readonly height: number;
  /** RGB at 1/4 and 3/4 of the longer edge, on the middle line. */
  readonly first: readonly number[];
  readonly last: readonly number[];
  /** RGB at the centres of the quadrants: top left, top right, bottom left, bottom right. */
  readonly quadrants: readonly (readonly number[])[];
}

export type ThumbnailReport =
  | {
      readonly ok: true;
      readonly mime: string;
      /** How often the worker had loaded libheif-js when it made these: 0 until a HEIC needs it. */
      readonly libheifLoads: number;
      readonly width: number;
      readonly height: number;
      readonly thumbnail: ImageReport;
      readonly preview: ImageReport | null;
    }
  | { readonly ok: false; readonly mime: string; readonly error: string };
