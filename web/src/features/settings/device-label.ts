/**
 * @module A readable name for a signed-in device. The web worker names its sessions `web (<user agent>)`; a
 * person recognises "Chrome on Linux" sooner. Other clients (the CLI, third-party apps) choose their own names,
 * shown as they are. Decrypted or not, a device name is shown as text only.
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

const WEB_SESSION = /^web \((.*?)\)?$/;

const firstMatch = (text: string, table: ReadonlyArray<readonly [RegExp, string]>) =>
  table.find(([pattern]) => pattern.test(text))?.[1];

export const deviceLabel = (deviceName: string): string => {
  const userAgent = WEB_SESSION.exec(deviceName)?.[1];
  if (userAgent === undefined) return deviceName;
  const browser = firstMatch(userAgent, BROWSERS) ?? 'A browser';
  const system = firstMatch(userAgent, SYSTEMS);
  return system ? `${browser} on ${system}` : browser;
};
