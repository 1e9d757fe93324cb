import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv, REPO_ROOT } from './config';

describe('configuration', () => {
  it('defaults to the embedded mode on loopback, with data under the repository root', () => {
    const config = configFromEnv({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8787,
      databaseUrl: undefined,
      trustProxy: false,
    });
    expect(config.dataDir).toBe(join(REPO_ROOT, 'data'));
    expect(config.auth.scrypt).toEqual({ logN: 15, r: 8, p: 1 });
    expect(config.sync.maxRecordBytes).toBe(256 * 1024);
  });

  it('resolves a relative data directory from the repository root, whatever the working directory', () => {
    expect(configFromEnv({ HALYON_DATA_DIR: 'var/halyon' }).dataDir).toBe(join(REPO_ROOT, 'var/halyon'));
    expect(configFromEnv({ HALYON_DATA_DIR: '/srv/halyon' }).dataDir).toBe('/srv/halyon');
  });

  it('refuses bad values, listing every one', () => {
    const bad = { PORT: 'eighty', SCRYPT_LOG_N: '4', TRUST_PROXY: 'maybe' };
    expect(() => configFromEnv(bad)).toThrow('Invalid configuration');
    const message = (() => {
      try {
        configFromEnv(bad);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const name of Object.keys(bad)) expect(message).toContain(name);
  });
});
