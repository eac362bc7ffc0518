import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import App from '../App.svelte';
import { desk } from '../lib/desk.svelte';
import { app } from '../lib/session.svelte';
import type { Permission, Preferences, SessionStatus } from '../lib/ipc/types';
import { ADMIN, fakeBackend, status } from '../test/fixtures';
import { customerPage, searchResult } from '../test/customers';

const PREFS: Preferences = { language: null, idleLockMinutes: 15, environment: 'builtin_sandbox' };

type Handler = (args: Record<string, unknown> | undefined) => unknown;

async function signIn(
  session: SessionStatus = status('active'),
  language: 'en' | 'id' = 'en',
  extra: Record<string, Handler> = {},
) {
  invoke.mockImplementation(
    fakeBackend({
      app_info: () => ({ version: '0.1.0', environment: 'builtin_sandbox', osLocale: 'en-US', language }),
      session_status: () => session,
      get_preferences: () => PREFS,
      touch_session: () => session,
      payments_page: () => ({ items: [], next: null }),
      refund_queue: () => ({ items: [], next: null }),
      verify_audit: () => ({ intact: true, checked: 0, brokenSeq: null, problem: null }),
      list_audit: () => ({ items: [], next: null }),
      audit_operators: () => [],
      list_operators: () => [],
      ...extra,
    }),
  );
  render(App);
  await screen.findByTestId('screen-shell');
}

function as(role: 'staff' | 'finance', permissions: Permission[]): SessionStatus {
  return status('active', { operator: { ...ADMIN, id: 2, username: role, displayName: role, role }, permissions });
}

const currentSection = () => document.querySelector('nav [aria-current="page"]')?.getAttribute('data-testid');

/** Presses a key where focus is; true when the shell took it (the default action prevented). */
async function press(key: string, init: Partial<KeyboardEventInit> = {}, target: Element = document.activeElement ?? document.body) {
  return !(await fireEvent.keyDown(target, { key, ...init }));
}

describe('keyboard shortcuts', () => {
  beforeEach(() => {
    invoke.mockReset();
    app.status = null;
    app.section = null;
    desk.paymentId = null;
    (document.activeElement as HTMLElement | null)?.blur?.();
  });

  it('opens the sections in navigation order with Alt+1…Alt+9', async () => {
    await signIn();
    await waitFor(() => expect(currentSection()).toBe('nav-customers'));
    // The admin sees customers, payments, refunds, audit log and settings.
    expect(await press('2', { altKey: true })).toBe(true);
    await waitFor(() => expect(currentSection()).toBe('nav-payments'));
    await press('4', { altKey: true });
    await waitFor(() => expect(currentSection()).toBe('nav-audit'));
    await press('1', { altKey: true, code: 'Digit1' });
    await waitFor(() => expect(currentSection()).toBe('nav-customers'));
    // No sixth section: the key is left alone.
    expect(await press('6', { altKey: true })).toBe(false);
    expect(currentSection()).toBe('nav-customers');
  });

  it('numbers only the sections the role may see', async () => {
    await signIn(as('staff', ['view_customers', 'view_payments']));
    await waitFor(() => expect(currentSection()).toBe('nav-customers'));
    await press('4', { altKey: true });
    await waitFor(() => expect(currentSection()).toBe('nav-settings'));
    expect(await press('5', { altKey: true })).toBe(false);
    await press('3', { altKey: true });
    await waitFor(() => expect(currentSection()).toBe('nav-refunds'));
  });

  it('focuses customer search with Ctrl+K and with "/"', async () => {
    await signIn();
    const search = await screen.findByTestId('customer-search');
    expect(await press('k', { ctrlKey: true })).toBe(true);
    expect(document.activeElement).toBe(search);
    search.blur();
    expect(await press('/')).toBe(true);
    expect(document.activeElement).toBe(search);
  });

  it("focuses the section's own search field on payments and the audit log", async () => {
    await signIn();
    await press('2', { altKey: true });
    const reference = await screen.findByTestId('payment-filter-reference');
    await press('k', { ctrlKey: true });
    expect(document.activeElement).toBe(reference);

    await press('4', { altKey: true });
    const subject = await screen.findByTestId('audit-filter-subject');
    await press('/', {}, document.body);
    expect(document.activeElement).toBe(subject);
  });

  it('goes to customer search from a section without one, and back to the list from an open payment', async () => {
    await signIn();
    await press('3', { altKey: true });
    await waitFor(() => expect(currentSection()).toBe('nav-refunds'));
    await press('k', { ctrlKey: true });
    await waitFor(() => expect(currentSection()).toBe('nav-customers'));
    expect(document.activeElement).toBe(screen.getByTestId('customer-search'));

    // A payment page hides the list and its search field.
    await press('2', { altKey: true });
    await screen.findByTestId('payment-filter-reference');
    desk.paymentId = 5;
    await waitFor(() => expect(screen.getByTestId('payment-filter-reference').closest('[hidden]')).not.toBeNull());
    await press('k', { ctrlKey: true });
    await waitFor(() => expect(currentSection()).toBe('nav-customers'));
    expect(document.activeElement).toBe(screen.getByTestId('customer-search'));
  });

  it('goes back from an open customer to customer search', async () => {
    await signIn(status('active'), 'en', {
      search_customers: () => searchResult('budi'),
      customer_page: () => customerPage(),
      customer_timeline: () => ({ items: [], next: null }),
    });
    await fireEvent.input(await screen.findByTestId('customer-search'), { target: { value: 'budi' } });
    await fireEvent.click(await screen.findByTestId('search-hit'));
    await screen.findByTestId('customer-page');
    expect(await press('k', { ctrlKey: true }, document.body)).toBe(true);
    await waitFor(() => expect(screen.queryByTestId('customer-page')).toBeNull());
    expect(document.activeElement).toBe(screen.getByTestId('customer-search'));
  });

  it('does nothing for search when the role has no customer search and the section no search field', async () => {
    await signIn(as('finance', ['view_payments', 'approve_refunds']));
    await press('2', { altKey: true });
    await waitFor(() => expect(currentSection()).toBe('nav-refunds'));
    await press('k', { ctrlKey: true });
    expect(currentSection()).toBe('nav-refunds');
  });

  it('leaves "/" and "?" to a field the operator types in', async () => {
    await signIn();
    const search = await screen.findByTestId('customer-search');
    search.focus();
    expect(await press('/', {}, search)).toBe(false);
    expect(await press('?', {}, search)).toBe(false);
    expect(screen.queryByTestId('shortcuts-help')).toBeNull();
    // Shortcuts with Alt or Ctrl still work from a field.
    await press('2', { altKey: true }, search);
    await waitFor(() => expect(currentSection()).toBe('nav-payments'));
  });

  it('opens the help with "?", lists every shortcut for the role, and closes it with Escape', async () => {
    await signIn(as('staff', ['view_customers', 'view_payments']));
    await screen.findByTestId('customer-search');
    expect(await press('?', {}, document.body)).toBe(true);
    const help = await screen.findByTestId('shortcuts-help');
    expect(within(help).getByRole('heading').textContent).toBe('Keyboard shortcuts');
    const rows = within(help)
      .getAllByTestId<HTMLTableRowElement>('shortcut-row')
      .map((row) => Array.from(row.cells, (cell) => cell.textContent?.replace(/\s+/g, ' ').trim()).join(' | '));
    expect(rows).toEqual([
      'Ctrl+K or / | Go to the search field of this section, or to customer search',
      'Alt+1 | Open Customers',
      'Alt+2 | Open Payments',
      'Alt+3 | Open Refunds',
      'Alt+4 | Open Settings',
      '? | Show this list',
      'Esc | Close a dialog or this list',
    ]);

    // While the help is open, no other shortcut runs.
    await press('2', { altKey: true });
    await press('/');
    expect(currentSection()).toBe('nav-customers');

    await fireEvent.keyDown(help, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('shortcuts-help')).toBeNull());
  });

  it('opens the help from the sidebar, in Indonesian for an Indonesian operator', async () => {
    await signIn(status('active'), 'id');
    const open = await screen.findByTestId('shortcuts-open');
    expect(open.textContent).toBe('Pintasan keyboard');
    await fireEvent.click(open);
    const help = await screen.findByTestId('shortcuts-help');
    expect(within(help).getByRole('heading').textContent).toBe('Pintasan keyboard');
    const texts = within(help).getAllByTestId('shortcut-text').map((cell) => cell.textContent);
    expect(texts).toEqual([
      'Ke kolom pencarian di halaman ini, atau ke pencarian pelanggan',
      'Buka Pelanggan',
      'Buka Pembayaran',
      'Buka Pengembalian dana',
      'Buka Jejak audit',
      'Buka Pengaturan',
      'Tampilkan daftar ini',
      'Tutup dialog atau daftar ini',
    ]);
    expect(within(help).getAllByTestId('shortcut-keys')[0].textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Ctrl+K atau /',
    );
    await fireEvent.click(within(help).getByTestId('shortcuts-close'));
    await waitFor(() => expect(screen.queryByTestId('shortcuts-help')).toBeNull());
  });

  it('runs no shortcut while another dialog is open', async () => {
    await signIn();
    await screen.findByTestId('customer-search');
    await fireEvent.click(screen.getByTestId('change-password'));
    await screen.findByRole('dialog');
    expect(await press('?', {}, document.body)).toBe(false);
    expect(await press('2', { altKey: true }, document.body)).toBe(false);
    expect(screen.queryByTestId('shortcuts-help')).toBeNull();
    expect(currentSection()).toBe('nav-customers');
  });
});
