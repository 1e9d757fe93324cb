import { describe, expect, it } from 'vitest';
import { estimatePasswordStrength } from './password-strength';

describe('estimatePasswordStrength', () => {
  it('rates common passwords as too weak, whatever is appended', () => {
    for (const password of ['password', 'Password123!', 'qwertyuiop', '1234567890', 'letmein2024']) {
      expect(estimatePasswordStrength(password).score, password).toBe(0);
      expect(estimatePasswordStrength(password).isAcceptable).toBe(false);
    }
  });

  it('does not accept anything shorter than ten characters, however varied', () => {
    const strength = estimatePasswordStrength('Xk7#qP2!');
    expect(strength.isAcceptable).toBe(false);
    expect(strength.hint).toContain('10 characters');
  });

  it('rates keyboard runs and repeated characters low even when long', () => {
    expect(estimatePasswordStrength('aaaaaaaaaaaaaaaa').score).toBeLessThanOrEqual(1);
    expect(estimatePasswordStrength('abcdefghijklmnop').score).toBeLessThanOrEqual(1);
  });

  it('does not call two words and a digit very strong', () => {
    expect(estimatePasswordStrength('harbor lantern 7').score).toBeLessThanOrEqual(2);
  });

  it('accepts a four-word passphrase and rates longer ones higher', () => {
    const four = estimatePasswordStrength('correct horse battery staple');
    const six = estimatePasswordStrength('correct horse battery staple violet anchor');
    expect(four.isAcceptable).toBe(true);
    expect(six.score).toBeGreaterThanOrEqual(four.score);
    expect(six.score).toBe(4);
  });

  it('rates a long random string as very strong', () => {
    expect(estimatePasswordStrength('t7$Kq9!vZ2@pL4#wX8').score).toBe(4);
  });
});
