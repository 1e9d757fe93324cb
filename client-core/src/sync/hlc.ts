/**
 * @module Hybrid logical clock: stamps that follow wall time but never go backwards and order every edit made by
 * any device. A stamp is a fixed-width string, so comparing stamps is comparing strings.
 *
 * [Note: HLC stamp format]
 * `<wall ms, 11 base-36 digits>.<counter, 4 base-36 digits>.<node id>`. Equal wall time and counter are broken by
 * the node id, so two different devices never produce equal stamps and every merge has one winner.
 */

declare const hlcBrand: unique symbol;
export type Hlc = string & { readonly [hlcBrand]: 'Hlc' };

const WALL_DIGITS = 11;
const COUNTER_DIGITS = 4;
const MAX_COUNTER = 36 ** COUNTER_DIGITS - 1;
const HLC_PATTERN = /^[0-9a-z]{11}\.[0-9a-z]{4}\.[0-9a-z]{1,32}$/;

export interface HlcParts {
  readonly wallMs: number;
  readonly counter: number;
  readonly nodeId: string;
}

export const isHlc = (value: unknown): value is Hlc => typeof value === 'string' && HLC_PATTERN.test(value);

export const encodeHlc = ({ wallMs, counter, nodeId }: HlcParts): Hlc => {
  if (!Number.isSafeInteger(wallMs) || wallMs < 0) throw new RangeError('HLC wall time out of range');
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER)
    throw new RangeError('HLC counter overflow');
  if (!/^[0-9a-z]{1,32}$/.test(nodeId)) throw new RangeError('HLC node id must be 1-32 base-36 characters');
  return `${wallMs.toString(36).padStart(WALL_DIGITS, '0')}.${counter.toString(36).padStart(COUNTER_DIGITS, '0')}.${nodeId}` as Hlc;
};

export const decodeHlc = (stamp: Hlc): HlcParts => {
  const [wall, counter, nodeId] = stamp.split('.') as [string, string, string];
  return { wallMs: Number.parseInt(wall, 36), counter: Number.parseInt(counter, 36), nodeId };
};

export const compareHlc = (a: Hlc, b: Hlc): number => (a < b ? -1 : a > b ? 1 : 0);

/** The smallest stamp: loses to every real edit. */
export const HLC_ZERO = encodeHlc({ wallMs: 0, counter: 0, nodeId: '0' });

export interface HlcClock {
  /** A stamp greater than every stamp this clock has issued or observed. */
  now(): Hlc;
  /** Moves the clock past a stamp seen in another device's edit, so our next edit orders after it. */
  observe(remote: Hlc): void;
}

export const createHlcClock = (nodeId: string, wallClock: () => number = Date.now): HlcClock => {
  let last: HlcParts = { wallMs: 0, counter: 0, nodeId };
  const advance = (wallMs: number, counter: number): Hlc => {
    // Counter overflow within one millisecond: borrow the next millisecond rather than break ordering.
    last = counter > MAX_COUNTER ? { wallMs: wallMs + 1, counter: 0, nodeId } : { wallMs, counter, nodeId };
    return encodeHlc(last);
  };
  return {
    now() {
      const wall = wallClock();
      return wall > last.wallMs ? advance(wall, 0) : advance(last.wallMs, last.counter + 1);
    },
    observe(remote) {
      const { wallMs, counter } = decodeHlc(remote);
      if (wallMs > last.wallMs || (wallMs === last.wallMs && counter > last.counter)) {
        last = { wallMs, counter, nodeId };
      }
    },
  };
};
