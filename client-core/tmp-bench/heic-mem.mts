// One variant per process: `ours` (libheif-js, view into WASM memory, createHeifThumbnailMaker) or
// `heic-decode` (its decode into a JS array, then the same sharp path).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { fileSourceFromBytes } from '../src/upload/file-source';
import { createHeifThumbnailMaker } from '../src/upload/heif-thumbnails';
import { thumbnailsOfPixels } from '../src/upload/sharp-thumbnails';

const variant = process.argv[2]!;
const bytes = new Uint8Array(readFileSync('/tmp/heicbench/12mp.heic'));
const media = { mime: 'image/heic', kind: 'image' } as const;
let peak = 0;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 5);
const mb = (n: number) => Math.round(n / 2 ** 20);
const before = process.memoryUsage.rss();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let made;
if (variant === 'ours') {
  const maker = createHeifThumbnailMaker({ idleMs: 200 });
  made = await maker.make(fileSourceFromBytes(bytes, 'x.heic'), media);
  made = made.ok ? made.value : null;
} else {
  const require = createRequire('/tmp/heicbench/');
  const decode = require('heic-decode');
  const { width, height, data } = await decode({ buffer: bytes });
  made = await thumbnailsOfPixels({ width, height, stride: width * 4, rgba: new Uint8Array(data.buffer) }, media);
}
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
const after = process.memoryUsage.rss();
await new Promise((r) => setTimeout(r, 500));
(globalThis as { gc?: () => void }).gc?.();
await new Promise((r) => setTimeout(r, 200));
(globalThis as { gc?: () => void }).gc?.();
console.log(JSON.stringify({
  variant, wallMs: Math.round(wall), cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  rssBefore: mb(before), rssPeak: mb(peak), rssAfter: mb(after), rssAfterIdleGc: mb(process.memoryUsage.rss()),
  thumb: made && (await sharp(made.thumbnail).metadata()).width, preview: made?.preview && (await sharp(made.preview).metadata()).width,
}));
