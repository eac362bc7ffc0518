import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import SetupScreen from './SetupScreen.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { app } from '../lib/session.svelte';
import { freshAuthScreen, signInAsDemo } from '../test/authScreens';
import { status } from '../test/fixtures';

/** Renders the setup form, fills it (a valid admin unless `values` says otherwise) and submits it. */
async function submitSetup(values: Record<string, string> = {}) {
  render(SetupScreen);
  const filled = {
    'setup-username': 'admin',
    'setup-display-name': 'Ayu',
    'setup-password': 'correct horse battery',
    'setup-password-confirm': 'correct horse battery',
    ...values,
  };
  for (const [testid, value] of Object.entries(filled)) {
    await fireEvent.input(screen.getByTestId(testid), { target: { value } });
  }
  await fireEvent.click(screen.getByTestId('setup-submit'));
}

describe('SetupScreen', () => {
  freshAuthScreen(invoke, 'uninitialized');

  it('offers the demo operators on the first start of the built-in sandbox', async () => {
    app.demoOperators = [{ username: 'demo.finance', displayName: 'Fajar (demo)', role: 'finance', disabled: false }];
    app.demoPassword = 'demo-password';
    invoke.mockResolvedValueOnce(status('active'));
    render(SetupScreen);
    expect(screen.getByTestId('demo-operator-demo.finance').textContent).toContain('Finance');
    await signInAsDemo(invoke, 'demo.finance');
  });

  it.each<{ refused: string; language: 'en' | 'id'; values: Record<string, string>; message: string; invalid: string }>([
    {
      refused: 'a confirm field that differs',
      language: 'en',
      values: { 'setup-display-name': 'Ayu Lestari', 'setup-password-confirm': 'correct horse batery' },
      message: 'The passwords do not match.',
      invalid: 'setup-password-confirm',
    },
    {
      refused: 'a username against the rule',
      language: 'id',
      values: { 'setup-username': 'Ayu Lestari' },
      message: 'Nama pengguna harus 3–32 karakter',
      invalid: 'setup-username',
    },
  ])('refuses $refused before any call', async ({ language, values, message, invalid }) => {
    setCurrentLanguage(language);
    await submitSetup(values);
    expect(screen.getByTestId('form-error').textContent).toContain(message);
    expect(screen.getByTestId(invalid).getAttribute('aria-invalid')).toBe('true');
    expect(invoke).not.toHaveBeenCalled();
  });

  it('creates the first admin and signs in', async () => {
    invoke.mockResolvedValueOnce(status('active'));
    await submitSetup({ 'setup-display-name': ' Ayu Lestari ' });
    await waitFor(() => expect(app.status?.state).toBe('active'));
    expect(invoke).toHaveBeenCalledWith('set_up_first_admin', {
      input: { username: 'admin', displayName: 'Ayu Lestari', password: 'correct horse battery' },
    });
  });

  it('shows the per-code message and the back-end detail for an unknown reason', async () => {
    invoke.mockRejectedValueOnce({ code: 'storage', message: 'database is locked', reason: null });
    await submitSetup();
    const error = await screen.findByTestId('form-error');
    expect(error.textContent).toContain('The local database could not be read or written.');
    expect(error.textContent).toContain('database is locked');
  });
});
