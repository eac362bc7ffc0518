// What the sign-in style screens' tests share: a fresh back end and session before each test, on the built-in
// sandbox with no demo operators unless a test offers some.

import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, expect, type Mock } from 'vitest';
import type { SessionStatus } from '../lib/ipc/types';
import { app } from '../lib/session.svelte';
import { freshEachTest, status } from './fixtures';

export function freshAuthScreen(invoke: Mock, state: SessionStatus['state']) {
  freshEachTest(invoke, status(state));
  beforeEach(() => {
    app.environment = 'builtin_sandbox';
    app.demoOperators = [];
    app.demoPassword = null;
  });
}

/** Chooses demo operator `username` on the rendered screen and checks that it signed in with the demo password. */
export async function signInAsDemo(invoke: Mock, username: string) {
  await fireEvent.click(screen.getByTestId(`demo-signin-${username}`));
  await waitFor(() => expect(app.status?.state).toBe('active'));
  expect(invoke).toHaveBeenCalledWith('sign_in', { input: { username, password: 'demo-password' } });
}
