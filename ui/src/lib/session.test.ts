import { describe, expect, it } from 'vitest';
import { createTouchThrottle } from './session.svelte';

describe('touch throttle', () => {
  it('allows one touch per interval', () => {
    let now = 1_000_000;
    const throttle = createTouchThrottle(60_000, () => now);
    expect(throttle.shouldTouch()).toBe(true);
    now += 1_000;
    expect(throttle.shouldTouch()).toBe(false);
    now += 58_999;
    expect(throttle.shouldTouch()).toBe(false);
    now += 1;
    expect(throttle.shouldTouch()).toBe(true);
  });

  it('counts a sign-in as a touch', () => {
    let now = 5_000;
    const throttle = createTouchThrottle(60_000, () => now);
    throttle.markTouched();
    now += 30_000;
    expect(throttle.shouldTouch()).toBe(false);
    now += 30_000;
    expect(throttle.shouldTouch()).toBe(true);
  });
});
