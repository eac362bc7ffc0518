import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import ChangePasswordScreen from './ChangePasswordScreen.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { app } from '../lib/session.svelte';
import { freshAuthScreen } from '../test/authScreens';
import { input, status } from '../test/fixtures';

async function type(current: string, password: string, confirm: string) {
  await fireEvent.input(input('change-password-current'), { target: { value: current } });
  await fireEvent.input(input('change-password-new'), { target: { value: password } });
  await fireEvent.input(input('change-password-confirm'), { target: { value: confirm } });
  await fireEvent.click(screen.getByTestId('change-password-submit'));
}

describe('ChangePasswordScreen', () => {
  freshAuthScreen(invoke, 'password_change_required');

  it('asks for every password without calling the back end', async () => {
    render(ChangePasswordScreen);
    expect(screen.getByLabelText('Current password')).toBe(input('change-password-current'));
    await fireEvent.click(screen.getByTestId('change-password-submit'));
    expect(screen.getByTestId('form-error').textContent).toContain('Enter your current password and the new one twice.');
    expect(invoke).not.toHaveBeenCalled();
  });

  it('refuses the same password again before any round trip', async () => {
    render(ChangePasswordScreen);
    await type('admin-set-password', 'admin-set-password', 'admin-set-password');
    expect(screen.getByTestId('form-error').textContent).toContain('The new password must differ from the current one.');
    expect(invoke).not.toHaveBeenCalled();
    expect(input('change-password-new').getAttribute('aria-invalid')).toBe('true');
  });

  it('sends the change and applies the active session it answers', async () => {
    invoke.mockResolvedValueOnce(status('active'));
    render(ChangePasswordScreen);
    await type('admin-set-password', 'my-own-password', 'my-own-password');
    await waitFor(() => expect(app.status?.state).toBe('active'));
    expect(invoke).toHaveBeenCalledWith('change_password', {
      input: { currentPassword: 'admin-set-password', newPassword: 'my-own-password' },
    });
  });

  it('says how long a lockout lasts and clears the passwords', async () => {
    invoke.mockRejectedValueOnce({
      code: 'too_many_attempts',
      message: 'too many failed password attempts; try again in 30 seconds',
      reason: 'too_many_attempts',
      retryAfterSeconds: 30,
    });
    setCurrentLanguage('id');
    render(ChangePasswordScreen);
    await type('wrong-password', 'my-own-password', 'my-own-password');
    const error = await screen.findByTestId('form-error');
    expect(error.textContent).toContain('Coba lagi dalam 30 detik.');
    expect(input('change-password-current').value).toBe('');
    expect(input('change-password-current').getAttribute('aria-invalid')).toBe('true');
    expect(app.status?.state).toBe('password_change_required');
  });
});
