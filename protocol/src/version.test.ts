import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as protocol from './index';
import { PROTOCOL_VERSION } from './version';

/**
 * The hash of every wire schema, per protocol version. A schema change makes this test fail until
 * PROTOCOL_VERSION is bumped (with a line in version.ts's history) and the new hash is recorded here.
 */
const SCHEMA_HASH_BY_VERSION: Readonly<Record<number, string>> = {
  1: '1f14cb771d5af7a65d3e3d3d5d86048aa0fc6354f5edc245260b1ad5f0c65948',
};

function hashSchemas(): string {
  const hash = createHash('sha256');
  for (const [name, value] of Object.entries(protocol).sort(([a], [b]) => a.localeCompare(b))) {
    if (!(value instanceof z.ZodType)) continue;
    hash.update(name).update(JSON.stringify(z.toJSONSchema(value, { io: 'input', unrepresentable: 'any' })));
  }
  return hash.digest('hex');
}

describe('protocol version', () => {
  it('changes whenever a wire schema changes', () => {
    expect(hashSchemas(), `schemas changed: bump PROTOCOL_VERSION and record the new hash`).toBe(
      SCHEMA_HASH_BY_VERSION[PROTOCOL_VERSION],
    );
  });
});
