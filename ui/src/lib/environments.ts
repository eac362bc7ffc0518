import type { EnvironmentKey } from './ipc/types';

export const ENVIRONMENTS: readonly EnvironmentKey[] = [
  'builtin_sandbox',
  'provider_sandbox',
  'production',
];
