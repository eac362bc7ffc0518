// What the sign-in style screens' tests share: a fresh back end and session before each test, on the built-in
// sandbox with no demo operators unless a test offers some.

import { beforeEach, type Mock } from 'vitest';
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
