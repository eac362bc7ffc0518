import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import SetupScreen from './SetupScreen.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { app } from '../lib/session.svelte';
import { freshEachTest, status } from '../test/fixtures';

async function fill(values: Record<string, string>) {
  for (const [testid, value] of Object.entries(values)) {
    await fireEvent.input(screen.getByTestId(testid), { target: { value } });
  }
}

describe('SetupScreen', () => {
  freshEachTest(invoke, status('uninitialized'));
  beforeEach(() => {
    app.environment = 'builtin_sandbox';
    app.demoOperators = [];
    app.demoPassword = null;
  });

  it('offers the demo operators on the first start of the built-in sandbox', async () => {
    app.demoOperators = [{ username: 'demo.finance', displayName: 'Fajar (demo)', role: 'finance', disabled: false }];
    app.demoPassword = 'demo-password';
    invoke.mockResolvedValueOnce(status('active'));
    render(SetupScreen);
    expect(screen.getByTestId('demo-operator-demo.finance').textContent).toContain('Finance');
    await fireEvent.click(screen.getByTestId('demo-signin-demo.finance'));
    await waitFor(() => expect(app.status?.state).toBe('active'));
    expect(invoke).toHaveBeenCalledWith('sign_in', { input: { username: 'demo.finance', password: 'demo-password' } });
  });

  it('rejects a confirm field that differs, before any call', async () => {
    render(SetupScreen);
    await fill({
      'setup-username': 'admin',
      'setup-display-name': 'Ayu Lestari',
      'setup-password': 'correct horse battery',
      'setup-password-confirm': 'correct horse batery',
    });
    await fireEvent.click(screen.getByTestId('setup-submit'));
    expect(screen.getByTestId('form-error').textContent).toContain('The passwords do not match.');
    expect(screen.getByTestId('setup-password-confirm').getAttribute('aria-invalid')).toBe('true');
    expect(invoke).not.toHaveBeenCalled();
  });

  it('checks the username rule', async () => {
    setCurrentLanguage('id');
    render(SetupScreen);
    await fill({
      'setup-username': 'Ayu Lestari',
      'setup-display-name': 'Ayu',
      'setup-password': 'correct horse battery',
      'setup-password-confirm': 'correct horse battery',
    });
    await fireEvent.click(screen.getByTestId('setup-submit'));
    expect(screen.getByTestId('form-error').textContent).toContain(
      'Nama pengguna harus 3–32 karakter',
    );
    expect(invoke).not.toHaveBeenCalled();
  });

  it('creates the first admin and signs in', async () => {
    invoke.mockResolvedValueOnce(status('active'));
    render(SetupScreen);
    await fill({
      'setup-username': 'admin',
      'setup-display-name': ' Ayu Lestari ',
      'setup-password': 'correct horse battery',
      'setup-password-confirm': 'correct horse battery',
    });
    await fireEvent.click(screen.getByTestId('setup-submit'));
    await waitFor(() => expect(app.status?.state).toBe('active'));
    expect(invoke).toHaveBeenCalledWith('set_up_first_admin', {
      input: { username: 'admin', displayName: 'Ayu Lestari', password: 'correct horse battery' },
    });
  });

  it('shows the per-code message and the back-end detail for an unknown reason', async () => {
    invoke.mockRejectedValueOnce({ code: 'storage', message: 'database is locked', reason: null });
    render(SetupScreen);
    await fill({
      'setup-username': 'admin',
      'setup-display-name': 'Ayu',
      'setup-password': 'correct horse battery',
      'setup-password-confirm': 'correct horse battery',
    });
    await fireEvent.click(screen.getByTestId('setup-submit'));
    const error = await screen.findByTestId('form-error');
    expect(error.textContent).toContain('The local database could not be read or written.');
    expect(error.textContent).toContain('database is locked');
  });
});
