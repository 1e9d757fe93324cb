import { describe, expect, it } from 'vitest';
import { uniqueFileNames } from './download';

describe('zip entry names', () => {
  it('never lets a file name reach outside the folder the zip unpacks into', () => {
    expect(uniqueFileNames(['../../etc/passwd', 'a\\b.jpg', '..', '.', 'tab\there.jpg', ''])).toEqual([
      '.._.._etc_passwd',
      'a_b.jpg',
      '___',
      '__',
      'tab_here.jpg',
      '_',
    ]);
  });

  it('numbers a cleaned name that collides with another', () => {
    expect(uniqueFileNames(['a/b.jpg', 'a_b.jpg'])).toEqual(['a_b.jpg', 'a_b (2).jpg']);
  });
});
