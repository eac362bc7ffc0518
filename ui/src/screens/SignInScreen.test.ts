import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import SignInScreen from './SignInScreen.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { app } from '../lib/session.svelte';
import { freshAuthScreen, signInAsDemo } from '../test/authScreens';
import { input, status } from '../test/fixtures';

describe('SignInScreen', () => {
  freshAuthScreen(invoke, 'signed_out');

  it('has labelled inputs of the right types', () => {
    render(SignInScreen);
    expect(screen.getByTestId('screen-signin')).toBeTruthy();
    expect(screen.getByLabelText('Username')).toBe(input('signin-username'));
    expect(screen.getByLabelText('Password')).toBe(input('signin-password'));
    expect(input('signin-password').type).toBe('password');
  });

  it('asks for both fields without calling the back end', async () => {
    render(SignInScreen);
    await fireEvent.click(screen.getByTestId('signin-submit'));
    expect(screen.getByTestId('form-error').textContent).toContain('Enter your username and password.');
    expect(invoke).not.toHaveBeenCalled();
    expect(input('signin-username').getAttribute('aria-invalid')).toBe('true');
  });

  it('signs in with the typed credentials and applies the new status', async () => {
    invoke.mockResolvedValueOnce(status('active'));
    render(SignInScreen);
    await fireEvent.input(input('signin-username'), { target: { value: '  admin ' } });
    await fireEvent.input(input('signin-password'), { target: { value: 'correct horse battery' } });
    await fireEvent.click(screen.getByTestId('signin-submit'));
    await waitFor(() => expect(app.status?.state).toBe('active'));
    expect(invoke).toHaveBeenCalledWith('sign_in', {
      input: { username: 'admin', password: 'correct horse battery' },
    });
    expect(screen.queryByTestId('form-error')).toBeNull();
  });

  it('shows a translated back-end error and clears the password', async () => {
    invoke.mockRejectedValueOnce({
      code: 'unauthenticated',
      message: 'invalid username or password',
      reason: 'invalid_sign_in',
    });
    setCurrentLanguage('id');
    render(SignInScreen);
    await fireEvent.input(input('signin-username'), { target: { value: 'admin' } });
    await fireEvent.input(input('signin-password'), { target: { value: 'wrong password!' } });
    await fireEvent.click(screen.getByTestId('signin-submit'));
    const error = await screen.findByTestId('form-error');
    expect(error.textContent).toContain(
      'Nama pengguna atau kata sandi salah, atau operator dinonaktifkan.',
    );
    // A translated reason needs no English detail line.
    expect(error.textContent).not.toContain('invalid username or password');
    expect(input('signin-password').value).toBe('');
    expect(app.status?.state).toBe('signed_out');
  });

  it('re-renders in the other language at once', async () => {
    render(SignInScreen);
    expect(screen.getByTestId('signin-submit').textContent?.trim()).toBe('Sign in');
    invoke.mockResolvedValueOnce({ language: 'id', idleLockMinutes: 15, environment: 'builtin_sandbox' });
    const select = screen.getByTestId('language-select') as HTMLSelectElement;
    select.value = 'id';
    await fireEvent.change(select);
    expect(screen.getByTestId('signin-submit').textContent?.trim()).toBe('Masuk');
    expect(invoke).toHaveBeenCalledWith('set_language', { input: { language: 'id' } });
  });

  describe('demo operators', () => {
    const demo = () => {
      app.demoOperators = [
        { username: 'demo.staff', displayName: 'Dian (demo)', role: 'staff', disabled: false },
        { username: 'demo.support', displayName: 'Sari (demo)', role: 'support', disabled: false },
        { username: 'demo.finance', displayName: 'Fajar (demo)', role: 'finance', disabled: false },
        { username: 'demo.admin', displayName: 'Adi (demo)', role: 'admin', disabled: true },
      ];
      app.demoPassword = 'demo-password';
    };

    it('lists each demo operator with its role and the demo password, in both languages', () => {
      demo();
      setCurrentLanguage('id');
      render(SignInScreen);
      const list = screen.getByTestId('demo-operators');
      expect(list.textContent).toContain('Operator demo');
      expect(screen.getByTestId('demo-password').textContent).toBe('Kata sandinya: demo-password');
      expect(screen.getByTestId('demo-operator-demo.staff').textContent).toContain('Staf');
      expect(screen.getByTestId('demo-operator-demo.support').textContent).toContain('Layanan pelanggan');
      expect(screen.getByTestId('demo-operator-demo.finance').textContent).toContain('Keuangan');
      expect(screen.getByTestId('demo-operator-demo.admin').textContent).toContain('Administrator');
      expect(screen.getByTestId('demo-signin-demo.finance').getAttribute('aria-label')).toBe(
        'Masuk sebagai Fajar (demo) (Keuangan)',
      );
      // A disabled demo operator cannot be chosen.
      expect((screen.getByTestId('demo-signin-demo.admin') as HTMLButtonElement).disabled).toBe(true);
    });

    it('signs in as a demo operator with one click, with the demo password', async () => {
      demo();
      invoke.mockResolvedValueOnce(status('active'));
      render(SignInScreen);
      expect(screen.getByTestId('demo-password').textContent).toBe('Their password: demo-password');
      await signInAsDemo(invoke, 'demo.staff');
    });

    it('shows the refusal when a demo operator is refused', async () => {
      demo();
      invoke.mockRejectedValueOnce({ code: 'wrong_password', message: 'no', reason: 'demo_operator_builtin_only' });
      render(SignInScreen);
      await fireEvent.click(screen.getByTestId('demo-signin-demo.finance'));
      await waitFor(() =>
        expect(screen.getByTestId('form-error').textContent).toContain('Demo operators sign in only in the built-in sandbox.'),
      );
      expect(app.status?.state).toBe('signed_out');
    });

    it('lists none outside the built-in environment', () => {
      demo();
      app.environment = 'production';
      render(SignInScreen);
      expect(screen.queryByTestId('demo-operators')).toBeNull();
    });

    it('lists none when the back end has none', () => {
      render(SignInScreen);
      expect(screen.queryByTestId('demo-operators')).toBeNull();
    });
  });
});
