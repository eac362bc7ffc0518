import { afterEach, describe, expect, it, vi } from 'vitest';
import { onColourSchemeChange } from './charts';

describe('onColourSchemeChange', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('calls back when the OS switches between light and dark, until unsubscribed', () => {
    const query = new EventTarget();
    const matchMedia = vi.fn(() => query);
    vi.stubGlobal('matchMedia', matchMedia);
    const changed = vi.fn();
    const stop = onColourSchemeChange(changed);
    expect(matchMedia).toHaveBeenCalledWith('(prefers-color-scheme: dark)');
    query.dispatchEvent(new Event('change'));
    expect(changed).toHaveBeenCalledTimes(1);
    stop();
    query.dispatchEvent(new Event('change'));
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it('does nothing where the page cannot ask (jsdom has no matchMedia)', () => {
    vi.stubGlobal('matchMedia', undefined);
    expect(() => onColourSchemeChange(() => {})()).not.toThrow();
  });
});
