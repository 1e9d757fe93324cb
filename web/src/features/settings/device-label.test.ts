import { describe, expect, it } from 'vitest';
import { deviceLabel, webDeviceName } from './device-label';

describe('deviceLabel', () => {
  it('names a web session by its browser and system', () => {
    expect(
      deviceLabel(
        'web (Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/5',
      ),
    ).toBe('Chrome on Linux');
    expect(
      deviceLabel('web (Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0)'),
    ).toBe('Firefox on Windows');
    expect(
      deviceLabel(
        'web (Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1)',
      ),
    ).toBe('Safari on iOS');
  });

  it('shows other clients’ own names as they are', () => {
    expect(deviceLabel('halyon CLI on build-box')).toBe('halyon CLI on build-box');
    expect(deviceLabel('Unnamed device')).toBe('Unnamed device');
  });

  it('still names a web session whose user agent it does not know', () => {
    expect(deviceLabel('web (SomethingNew/1.0)')).toBe('A browser');
  });

  it("names the web worker's own sessions from the whole user agent, which a cut-off one would lose", () => {
    const userAgent =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36';
    expect(webDeviceName(userAgent)).toBe('Chrome on Linux');
    expect(deviceLabel(webDeviceName(userAgent))).toBe('Chrome on Linux');
  });
});
