/**
 * @module A password strength estimate for the register and change-password forms.
 *
 * It estimates guessing entropy from length and the kinds of characters used, bounded by what a guesser
 * combining words would need, then takes off for what guessers try first: common passwords, one character
 * repeated, keyboard and alphabet runs, a word with digits stuck on the end. Rough by design (no dictionary download): it exists to steer people away from weak choices.
 */

export type StrengthScore = 0 | 1 | 2 | 3 | 4;

export interface PasswordStrength {
  readonly score: StrengthScore;
  readonly label: 'Too weak' | 'Weak' | 'Fair' | 'Strong' | 'Very strong';
  readonly bits: number;
  /** What would make it stronger, or null when nothing needs saying. */
  readonly hint: string | null;
  readonly isAcceptable: boolean;
}

export const MIN_PASSWORD_LENGTH = 10;

const COMMON = new Set([
  'password',
  'password1',
  'password123',
  'passw0rd',
  '123456',
  '12345678',
  '123456789',
  '1234567890',
  'qwerty',
  'qwertyuiop',
  'iloveyou',
  'letmein',
  'welcome',
  'admin',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'sunshine',
  'princess',
  'abc123',
  'trustno1',
  'photos',
  'halyon',
]);

const RUNS = ['abcdefghijklmnopqrstuvwxyz', '01234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

const charsetSize = (password: string): number => {
  let size = 0;
  if (/[a-z]/.test(password)) size += 26;
  if (/[A-Z]/.test(password)) size += 26;
  if (/[0-9]/.test(password)) size += 10;
  if (/[ -/:-@[-`{-~]/.test(password)) size += 33;
  if (/[^\x20-\x7e]/.test(password)) size += 100;
  return Math.max(size, 1);
};

const reversed = (text: string): string => [...text].reverse().join('');
const isRun = (window: string): boolean =>
  RUNS.some((run) => run.includes(window) || run.includes(reversed(window)));

/** How many characters sit in runs of three or more ("abcd", "4321", "qwer"). */
const charsInRuns = (lower: string): number => {
  const covered = new Uint8Array(lower.length);
  for (let i = 0; i + 3 <= lower.length; i++) {
    if (isRun(lower.slice(i, i + 3))) covered.fill(1, i, i + 3);
  }
  return covered.reduce((sum, c) => sum + c, 0);
};

// Letters in a run are most likely words: English text carries about 2.35 bits per letter, and a short word
// is at best one of ~8,000 common words (13 bits). Other characters count as drawn from digits and symbols.
const WORD_BITS_PER_LETTER = 2.35;
const MIN_WORD_BITS = 13;
const OTHER_CHAR_BITS = Math.log2(43);

/** An upper bound for passphrases: what a guesser combining dictionary words would need. */
const wordGuessBits = (password: string): number => {
  let bits = 0;
  for (const token of password.split(/([^a-zA-Z]+)/)) {
    if (token === '') continue;
    bits += /^[a-zA-Z]+$/.test(token)
      ? Math.max(Math.min(MIN_WORD_BITS, token.length * Math.log2(26)), token.length * WORD_BITS_PER_LETTER)
      : [...token].length * OTHER_CHAR_BITS;
  }
  return bits;
};

const LABELS = ['Too weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

export const estimatePasswordStrength = (password: string): PasswordStrength => {
  const lower = password.toLowerCase();
  const length = [...password].length;
  const perChar = Math.log2(charsetSize(password));
  // Characters a guesser gets almost for free count for one bit each.
  const repeated = length - new Set(password).size;
  const cheap = Math.min(length, charsInRuns(lower) + Math.floor(repeated / 2));
  let bits = Math.min((length - cheap) * perChar + cheap, wordGuessBits(password));
  const stripped = lower.replace(/[0-9!@#$%^&*.]+$/, '');
  if (COMMON.has(lower) || COMMON.has(stripped)) bits = Math.min(bits, 10);
  else if (/^[a-z]+[0-9]{1,4}[!@#$%^&*.]?$/.test(lower)) bits *= 0.75; // word + digits: the first guess

  let score: StrengthScore = bits < 28 ? 0 : bits < 40 ? 1 : bits < 60 ? 2 : bits < 80 ? 3 : 4;
  if (length < MIN_PASSWORD_LENGTH && score > 1) score = 1;

  const hint =
    length < MIN_PASSWORD_LENGTH
      ? `Use at least ${MIN_PASSWORD_LENGTH} characters.`
      : score < 2
        ? 'Add more words or characters; avoid common words and sequences.'
        : score < 3
          ? 'A few more words would make it much harder to guess.'
          : null;
  return { score, label: LABELS[score], bits: Math.round(bits), hint, isAcceptable: score >= 2 };
};
