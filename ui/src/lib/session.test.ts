import { describe, expect, it } from 'vitest';
import { applyStatus, createTouchThrottle } from './session.svelte';
import { toastSuccess, toasts } from './toasts.svelte';
import { desk, openPayment, openRefund } from './desk.svelte';
import { ADMIN, status } from '../test/fixtures';

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

describe('session changes', () => {
  it("drop the previous operator's toasts when another operator signs in", () => {
    applyStatus(status('active', { operator: ADMIN }));
    toastSuccess(() => 'Operator created.');
    expect(toasts.length).toBe(1);
    applyStatus(status('active', { operator: ADMIN })); // same operator: kept
    expect(toasts.length).toBe(1);
    applyStatus(status('signed_out', { operator: null }));
    expect(toasts.length).toBe(0);
  });

  it("close the previous operator's payment and refund pages", () => {
    applyStatus(status('active', { operator: ADMIN }));
    openRefund(7);
    openPayment(42);
    applyStatus(status('active', { operator: ADMIN })); // same operator: kept
    expect(desk).toEqual({ paymentId: 42, refundId: 7 });
    applyStatus(status('signed_out', { operator: null }));
    expect(desk).toEqual({ paymentId: null, refundId: null });
  });
});
