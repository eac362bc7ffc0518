import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Operators from './Operators.svelte';
import { ADMIN, fakeBackend, freshEachTest, input } from '../../test/fixtures';
import type { NewOperatorInput, OperatorView, ResetPasswordInput } from '../../lib/ipc/types';

describe('Operators', () => {
  freshEachTest(invoke);

  it('creates an operator from the typed fields and clears the form', async () => {
    invoke.mockImplementation(
      fakeBackend({
        list_operators: () => [ADMIN],
        create_operator: (args) => {
          const sent = (args as { input: NewOperatorInput }).input;
          return { ...ADMIN, id: 2, username: sent.username, displayName: sent.displayName, role: sent.role } satisfies OperatorView;
        },
      }),
    );
    render(Operators);
    await screen.findByTestId('operator-row-admin');
    expect(input('op-new-password').type).toBe('password');
    expect(input('op-new-username').getAttribute('autocomplete')).toBe('off');

    await fireEvent.input(input('op-new-username'), { target: { value: ' budi ' } });
    await fireEvent.input(input('op-new-display-name'), { target: { value: 'Budi Santoso ' } });
    await fireEvent.change(screen.getByTestId('op-new-role'), { target: { value: 'finance' } });
    await fireEvent.input(input('op-new-password'), { target: { value: 'correct horse battery' } });
    await fireEvent.click(screen.getByTestId('op-create-submit'));

    await screen.findByTestId('operator-row-budi');
    expect(invoke).toHaveBeenCalledWith('create_operator', {
      input: { username: 'budi', displayName: 'Budi Santoso', role: 'finance', password: 'correct horse battery' },
    });
    for (const testid of ['op-new-username', 'op-new-display-name', 'op-new-password']) {
      expect(input(testid).value).toBe('');
    }
    expect((screen.getByTestId('op-new-role') as HTMLSelectElement).value).toBe('staff');
  });

  it('refuses an invalid username before sending, marking that field', async () => {
    invoke.mockImplementation(fakeBackend({ list_operators: () => [ADMIN] }));
    render(Operators);
    await screen.findByTestId('operator-row-admin');
    await fireEvent.input(input('op-new-username'), { target: { value: 'no spaces allowed' } });
    await fireEvent.click(screen.getByTestId('op-create-submit'));
    await waitFor(() => expect(input('op-new-username').getAttribute('aria-invalid')).toBe('true'));
    expect(input('op-new-display-name').getAttribute('aria-invalid')).toBeNull();
    expect(screen.getByTestId('form-error')).toBeTruthy();
    expect(invoke).not.toHaveBeenCalledWith('create_operator', expect.anything());
  });

  it('resets another operator’s password to a one-time one, never the admin’s own', async () => {
    const budi: OperatorView = { ...ADMIN, id: 2, username: 'budi', displayName: 'Budi', role: 'finance' };
    invoke.mockImplementation(
      fakeBackend({
        list_operators: () => [ADMIN, budi],
        reset_operator_password: (args) => {
          const sent = (args as { input: ResetPasswordInput }).input;
          return { ...budi, id: sent.operatorId, passwordOneTime: true } satisfies OperatorView;
        },
      }),
    );
    render(Operators);
    await screen.findByTestId('operator-row-budi');
    expect(screen.queryByTestId('operator-reset-admin')).toBeNull();
    expect(screen.queryByTestId('operator-one-time-budi')).toBeNull();
    await fireEvent.click(screen.getByTestId('operator-reset-budi'));
    await fireEvent.input(input('operator-reset-password'), { target: { value: 'short' } });
    await fireEvent.click(screen.getByTestId('operator-reset-submit'));
    expect(invoke).not.toHaveBeenCalledWith('reset_operator_password', expect.anything());
    await fireEvent.input(input('operator-reset-password'), { target: { value: 'budi-new-one-time' } });
    await fireEvent.click(screen.getByTestId('operator-reset-submit'));
    await screen.findByTestId('operator-one-time-budi');
    expect(invoke).toHaveBeenCalledWith('reset_operator_password', {
      input: { operatorId: 2, password: 'budi-new-one-time' },
    });
    await waitFor(() => expect(screen.queryByTestId('operator-reset-dialog')).toBeNull());
  });
});
