/**
 * @module Recovery key helpers: the "did you really write it down" check after registration (the person types
 * back a few words, picked at random positions), and reading a typed or pasted key.
 */

/** `count` distinct positions in [0, total), ascending. `randomIndex(n)` returns an integer in [0, n). */
export const pickCheckPositions = (
  count: number,
  total: number,
  randomIndex: (n: number) => number,
): ReadonlyArray<number> => {
  const pool = Array.from({ length: total }, (_, i) => i);
  const picked: number[] = [];
  for (let k = 0; k < Math.min(count, total); k++) {
    const j = randomIndex(pool.length);
    picked.push(pool[j]!);
    pool.splice(j, 1);
  }
  return picked.sort((a, b) => a - b);
};

export const cryptoRandomIndex = (n: number): number => {
  // Rejection sampling keeps the choice uniform.
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  const buffer = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buffer);
    if (buffer[0]! < limit) return buffer[0]! % n;
  }
};

const normalise = (word: string): string => word.trim().toLowerCase();

export const isRecoveryCheckCorrect = (
  words: ReadonlyArray<string>,
  positions: ReadonlyArray<number>,
  answers: ReadonlyArray<string>,
): boolean =>
  positions.length === answers.length &&
  positions.every((position, i) => normalise(answers[i] ?? '') === normalise(words[position] ?? '\0'));

export const RECOVERY_WORD_COUNT = 24;

/** Splits typed or pasted words on spaces, commas and line breaks, lower-cased. */
export const recoveryWordsFrom = (text: string): ReadonlyArray<string> =>
  text
    .toLowerCase()
    .split(/[\s,]+/)
    .filter((word) => word !== '');
