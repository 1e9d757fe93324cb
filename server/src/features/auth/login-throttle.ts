/**
 * @module Throttling failed logins, in two layers:
 * - per account: after `loginMaxFailures` failures the account is locked, and each further failure doubles the
 *   lock (base .. max). Stored on the users row, so it holds across processes and restarts. Unknown e-mails get
 *   the same treatment in memory, so lock-out behaviour does not reveal whether an account exists.
 * - per IP address: at most `loginIpMaxFailures` failures per window, in memory (a per-process guard against
 *   one address spraying many accounts; behind several processes each counts its own share).
 */
import type { AuthConfig } from '../../config';

export type LockoutPolicy = Pick<AuthConfig, 'loginMaxFailures' | 'loginLockoutBaseMs' | 'loginLockoutMaxMs'>;

/** How long to lock an account that has just reached `failures` consecutive failures (0: not locked). */
export function lockoutMsAfter(failures: number, policy: LockoutPolicy): number {
  if (failures < policy.loginMaxFailures) return 0;
  const doublings = Math.min(failures - policy.loginMaxFailures, 30);
  return Math.min(policy.loginLockoutBaseMs * 2 ** doublings, policy.loginLockoutMaxMs);
}

export function retryAfterSeconds(untilMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((untilMs - nowMs) / 1000));
}

/** Keeps memory bounded under a flood of distinct keys: past this many entries, expired ones are swept. */
const SWEEP_THRESHOLD = 50_000;

export interface LoginThrottle {
  /** When the address may try again (ms since epoch), or 0 if it may now. */
  ipBlockedUntil(ip: string, nowMs: number): number;
  recordIpFailure(ip: string, nowMs: number): void;
  /**
   * Counts an attempt on an e-mail address without an account, exactly as the users row counts real ones (see
   * [Note: Login attempts are counted before the hash is checked]): returns 0 if it may proceed, else when the
   * address may try again.
   */
  beginUnknownAccountAttempt(emailKey: string, nowMs: number): number;
}

export function createLoginThrottle(config: AuthConfig): LoginThrottle {
  const ipWindows = new Map<string, { windowStart: number; failures: number }>();
  const unknownAccounts = new Map<string, { failures: number; lockedUntil: number; lastFailure: number }>();

  const sweep = (nowMs: number) => {
    if (ipWindows.size > SWEEP_THRESHOLD) {
      for (const [ip, w] of ipWindows)
        if (nowMs - w.windowStart >= config.loginIpWindowMs) ipWindows.delete(ip);
    }
    if (unknownAccounts.size > SWEEP_THRESHOLD) {
      for (const [key, a] of unknownAccounts) {
        if (a.lockedUntil <= nowMs && nowMs - a.lastFailure > config.loginLockoutMaxMs)
          unknownAccounts.delete(key);
      }
    }
  };

  return {
    ipBlockedUntil(ip, nowMs) {
      const w = ipWindows.get(ip);
      if (!w || nowMs - w.windowStart >= config.loginIpWindowMs) return 0;
      return w.failures >= config.loginIpMaxFailures ? w.windowStart + config.loginIpWindowMs : 0;
    },
    recordIpFailure(ip, nowMs) {
      const w = ipWindows.get(ip);
      if (!w || nowMs - w.windowStart >= config.loginIpWindowMs) {
        ipWindows.set(ip, { windowStart: nowMs, failures: 1 });
        sweep(nowMs);
      } else {
        w.failures += 1;
      }
    },
    beginUnknownAccountAttempt(emailKey, nowMs) {
      const a = unknownAccounts.get(emailKey) ?? { failures: 0, lockedUntil: 0, lastFailure: nowMs };
      if (a.lockedUntil > nowMs) return a.lockedUntil;
      a.failures += 1;
      a.lastFailure = nowMs;
      const lockMs = lockoutMsAfter(a.failures, config);
      if (lockMs > 0) a.lockedUntil = nowMs + lockMs;
      unknownAccounts.set(emailKey, a);
      sweep(nowMs);
      return 0;
    },
  };
}
