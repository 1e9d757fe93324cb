// Builds the web app (web/dist, which the server serves at /) when it is missing or older than any of its
// sources, so `npm start` on a fresh clone serves the current app. The app bundles client-core and protocol
// too, so their sources count.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const built = join(root, 'web', 'dist', 'security-headers.json');
const sources = [
  'web/src',
  'web/public',
  'web/build',
  'web/index.html',
  'web/vite.config.ts',
  'web/package.json',
  'client-core/src',
  'protocol/src',
  'pnpm-lock.yaml',
];

const newestChange = (path) => {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
};

const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
const sourcesAt = Math.max(...sources.map((s) => newestChange(join(root, s))));
if (builtAt < sourcesAt) {
  console.log(builtAt === 0 ? 'Building the web app...' : 'Web sources changed; rebuilding the web app...');
  execSync('npx -y pnpm@10.34.9 --filter @halyon/web build', { cwd: root, stdio: 'inherit' });
}
