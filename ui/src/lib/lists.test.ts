import { describe, expect, it } from 'vitest';
import { replaceIn } from './lists';

describe('replaceIn', () => {
  it('replaces the matching entry', () => {
    const list = [
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
    ];
    expect(replaceIn(list, { id: 2, v: 'c' }, (e) => e.id === 2)).toBe(true);
    expect(list).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'c' },
    ]);
  });

  it('leaves the list as it is when nothing matches', () => {
    const list = [{ id: 1, v: 'a' }];
    expect(replaceIn(list, { id: 3, v: 'c' }, (e) => e.id === 3)).toBe(false);
    expect(list).toEqual([{ id: 1, v: 'a' }]);
  });
});
