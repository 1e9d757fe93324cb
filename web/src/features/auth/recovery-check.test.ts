import { describe, expect, it } from 'vitest';
import {
  cryptoRandomIndex,
  isRecoveryCheckCorrect,
  pickCheckPositions,
  recoveryWordsFrom,
} from './recovery-check';

const words = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima'.split(' ');

describe('recovery key check', () => {
  it('picks distinct positions inside the key, in ascending order', () => {
    for (let run = 0; run < 50; run++) {
      const positions = pickCheckPositions(3, 24, cryptoRandomIndex);
      expect(new Set(positions).size).toBe(3);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      for (const p of positions) expect(p >= 0 && p < 24).toBe(true);
    }
  });

  it('accepts the right words regardless of case and surrounding spaces', () => {
    expect(isRecoveryCheckCorrect(words, [0, 4, 11], [' Alpha', 'ECHO ', 'lima'])).toBe(true);
  });

  it('refuses a wrong word, a missing answer or a word from another position', () => {
    expect(isRecoveryCheckCorrect(words, [0, 4, 11], ['alpha', 'echo', 'kilo'])).toBe(false);
    expect(isRecoveryCheckCorrect(words, [0, 4, 11], ['alpha', 'echo'])).toBe(false);
    expect(isRecoveryCheckCorrect(words, [0, 4, 11], ['', '', ''])).toBe(false);
  });
});

describe('recoveryWordsFrom', () => {
  it('reads words separated by spaces, commas and line breaks, in any case', () => {
    expect(recoveryWordsFrom(' Harbor lantern,quiet\n\nMEADOW  ')).toEqual([
      'harbor',
      'lantern',
      'quiet',
      'meadow',
    ]);
  });

  it('reads nothing from blank input', () => {
    expect(recoveryWordsFrom(' \n ')).toEqual([]);
  });
});
