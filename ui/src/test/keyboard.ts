// Keyboard helpers that component and flow tests share.

import userEvent from '@testing-library/user-event';
import { expect } from 'vitest';

export type User = ReturnType<typeof userEvent.setup>;

/** A user who types without delays. */
export function keyboardUser(): User {
  return userEvent.setup({ delay: null });
}

/** Presses Tab until `target` has the focus (it must be reachable), at most `max` times. */
export async function tabTo(user: User, target: HTMLElement, max = 80) {
  for (let i = 0; i < max && document.activeElement !== target; i++) await user.tab();
  expect(document.activeElement, `${target.outerHTML.slice(0, 120)} is not reachable by Tab`).toBe(target);
}
