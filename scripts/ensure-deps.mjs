// Installs the workspace's packages when they are missing or older than the lockfile, so that
// `npm start` and `npm test` work on a fresh clone with nothing but Node and npm.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const manifests = ['pnpm-lock.yaml', 'package.json', 'pnpm-workspace.yaml'];
for (const dir of readdirSync(root, { withFileTypes: true })) {
  if (dir.isDirectory() && existsSync(join(root, dir.name, 'package.json')))
    manifests.push(join(dir.name, 'package.json'));
}
const hash = createHash('sha256');
for (const file of manifests)
  if (existsSync(join(root, file))) hash.update(file).update(readFileSync(join(root, file)));
const digest = hash.digest('hex');
const stamp = join(root, 'node_modules', '.halyon-install-stamp');

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== digest) {
  const frozen = process.env.CI ? ' --frozen-lockfile' : '';
  console.log(`Installing packages (pnpm install${frozen})...`);
  execSync(`npx -y pnpm@10.34.9 install${frozen}`, { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, digest);
}
