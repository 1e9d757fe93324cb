/**
 * @module Readable names for signed-in devices. The web worker names its session after the browser and system
 * ("Chrome on Linux", `webDeviceName`), from the whole user agent: the name field is short, and a user agent cut
 * to fit loses the browser. Sessions named by earlier builds (`web (<user agent>)`) are read the same way; other
 * clients (the CLI, third-party apps) choose their own names, shown as they are, as text only.
 */

const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/Edg\//, 'Edge'],
  [/Firefox\//, 'Firefox'],
  [/Chrom(e|ium)\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/Android/, 'Android'],
  [/iPhone|iPad/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

const firstMatch = (text: string, table: ReadonlyArray<readonly [RegExp, string]>) =>
  table.find(([pattern]) => pattern.test(text))?.[1];

/** "Chrome on Linux" for a user agent; "A browser" when it names neither. */
export const webDeviceName = (userAgent: string): string => {
  const browser = firstMatch(userAgent, BROWSERS) ?? 'A browser';
  const system = firstMatch(userAgent, SYSTEMS);
  return system ? `${browser} on ${system}` : browser;
};

const OLD_WEB_SESSION = /^web \((.*?)\)?$/;

export const deviceLabel = (deviceName: string): string => {
  const userAgent = OLD_WEB_SESSION.exec(deviceName)?.[1];
  return userAgent === undefined ? deviceName : webDeviceName(userAgent);
};
