import { describe, expect, it } from 'vitest';
import type { PhotoId } from '../../app/vault-client';
import { type SaveZipDeps, saveSelectionAsZip, zipFileName } from './save-zip';

const ids = ['p1', 'p2'] as PhotoId[];
const handle = { kind: 'file', name: 'Trip.zip' } as unknown as FileSystemFileHandle;

const fakeDeps = (picker: SaveZipDeps['showSaveFilePicker']) => {
  const calls: string[] = [];
  const saved: Array<{ blob: Blob; fileName: string }> = [];
  const deps: SaveZipDeps = {
    client: {
      getOriginalsZip: async (zipIds, onProgress) => {
        calls.push(`blob:${zipIds.join(',')}`);
        onProgress(2);
        return { ok: true, value: new Blob(['zip']) };
      },
      writeOriginalsZip: async (zipIds, file, onProgress) => {
        calls.push(`file:${zipIds.join(',')}:${file.name}`);
        onProgress(2);
        return { ok: true, value: undefined };
      },
    },
    showSaveFilePicker: picker,
    saveBlob: (blob, fileName) => saved.push({ blob, fileName }),
  };
  return { deps, calls, saved };
};

describe('saving a selection as a zip', () => {
  it('streams into the picked file where the browser has a save picker', async () => {
    const suggested: string[] = [];
    const { deps, calls, saved } = fakeDeps(async (options) => {
      suggested.push(options.suggestedName);
      return handle;
    });
    const progress: number[] = [];
    expect(await saveSelectionAsZip(deps, ids, 'Trip.zip', (n) => progress.push(n))).toEqual({
      ok: true,
      value: 'saved',
    });
    expect(suggested).toEqual(['Trip.zip']);
    expect(calls).toEqual(['file:p1,p2:Trip.zip']);
    expect(saved).toEqual([]);
    expect(progress).toEqual([2]);
  });

  it('does nothing when the person cancels the picker', async () => {
    const { deps, calls } = fakeDeps(async () => {
      throw new DOMException('cancelled', 'AbortError');
    });
    expect(await saveSelectionAsZip(deps, ids, 'Trip.zip', () => undefined)).toEqual({
      ok: true,
      value: 'cancelled',
    });
    expect(calls).toEqual([]);
  });

  it('downloads one blob where there is no picker, or the picker is refused', async () => {
    for (const picker of [
      undefined,
      async () => {
        throw new DOMException('no activation', 'SecurityError');
      },
    ]) {
      const { deps, calls, saved } = fakeDeps(picker);
      await saveSelectionAsZip(deps, ids, 'Trip.zip', () => undefined);
      expect(calls).toEqual(['blob:p1,p2']);
      expect(saved.map((s) => s.fileName)).toEqual(['Trip.zip']);
    }
  });

  it('names the zip after the screen, without characters file systems refuse', () => {
    expect(zipFileName('Lisbon 2026')).toBe('Lisbon 2026.zip');
    expect(zipFileName('a/b: "c"')).toBe('a b c.zip');
    expect(zipFileName('<>')).toBe('Photos.zip');
  });
});
