import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHeifDecoder, type Libheif, whenLibheifReady } from '../src/upload/heif-decode';
const require = createRequire(import.meta.url);
const create = require('libheif-js/libheif-wasm/libheif.js');
const bytes = new Uint8Array(readFileSync('/tmp/heicbench/12mp.heic'));
const c0 = process.cpuUsage();
const lib = await whenLibheifReady(create) as Libheif;
const c1 = process.cpuUsage(c0);
const decoder = createHeifDecoder(async () => lib);
for (let i = 0; i < 3; i++) {
  const c = process.cpuUsage();
  await decoder.decode(bytes, () => 0);
  const d = process.cpuUsage(c);
  console.log(`decode 12 MP: ${Math.round((d.user + d.system) / 1000)} ms CPU`);
}
console.log(`module load: ${Math.round((c1.user + c1.system) / 1000)} ms CPU`);
