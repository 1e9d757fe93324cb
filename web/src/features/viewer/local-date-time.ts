/** @module Converts between instants and the value of an `<input type="datetime-local">` (local wall time). */

const pad = (n: number): string => String(n).padStart(2, '0');

/** 2026-11-22T14:05 for the local time of `epochMs` (minutes precision, as the input shows). */
export const epochMsToLocalInput = (epochMs: number): string => {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** The instant of a datetime-local value read as local time, or null when it is not one. */
export const localInputToEpochMs = (value: string): number | null => {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const [, year, month, day, hours, minutes] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(year, month - 1, day, hours, minutes);
  // new Date rolls 2026-02-31 over to March: refuse what does not round-trip.
  return date.getMonth() === month - 1 && date.getDate() === day ? date.getTime() : null;
};
