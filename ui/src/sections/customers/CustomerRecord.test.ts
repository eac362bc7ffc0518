// The customer page's record: edit, dated notes, the timeline and forgetting.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import CustomerPage from './CustomerPage.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { app } from '../../lib/session.svelte';
import { ADMIN_PERMISSIONS, fakeBackend, freshEachTest, status } from '../../test/fixtures';
import { customerPage, details, timelineEntry as entry } from '../../test/customers';
import type { CustomerTimelineEntry, CustomerTimelineQuery } from '../../lib/ipc/types';

const FIRST: CustomerTimelineEntry[] = [
  entry({ kind: 'note', text: 'Asked for a receipt by email', author: 'Rina (support)' }),
  entry({ kind: 'refund', reference: 'RFD-0021', product: 'ovo_snap', amount: 25000, status: 'awaiting_transfer', refundId: 21 }),
  entry({ kind: 'payment', reference: 'PAY-0011', product: 'ovo_snap', amount: 125000, status: 'needs_review', paymentId: 11 }),
];
const SECOND: CustomerTimelineEntry[] = [
  entry({ kind: 'account_linked', product: 'ovo_snap', status: 'needs_relink', accountId: 1, reference: 'LNK-1' }),
  entry({ kind: 'customer_created', at: '2026-01-10T03:00:00Z' }),
];

function timeline(args: Record<string, unknown> | undefined) {
  const input = (args as { input: CustomerTimelineQuery }).input;
  return input.before === null ? { items: FIRST, next: 'c1' } : { items: SECOND, next: null };
}

const as = (role: 'support' | 'admin') =>
  status('active', {
    permissions:
      role === 'admin'
        ? [...ADMIN_PERMISSIONS, 'forget_customers']
        : ['view_customers', 'manage_customers', 'link_accounts', 'view_payments', 'take_payments'],
  });

describe('CustomerPage record', () => {
  freshEachTest(invoke, null);

  it('shows the whole timeline newest first, with status labels, one page at a time', async () => {
    app.status = as('support');
    invoke.mockImplementation(fakeBackend({ customer_page: () => customerPage(), customer_timeline: timeline }));
    setCurrentLanguage('id');
    render(CustomerPage, { customerId: 7, onback: () => {} });
    await waitFor(() => expect(screen.getAllByTestId('customer-timeline-entry')).toHaveLength(3));
    const kinds = () => screen.getAllByTestId('customer-timeline-entry').map((e) => e.getAttribute('data-kind'));
    expect(kinds()).toEqual(['note', 'refund', 'payment']);
    const statuses = screen.getAllByTestId('customer-timeline-status').map((s) => s.textContent?.trim());
    expect(statuses).toEqual(['Menunggu transfer', 'Perlu ditinjau']);
    expect(screen.getAllByTestId('customer-timeline-text')[0].textContent).toBe('Asked for a receipt by email');

    await fireEvent.click(screen.getByTestId('customer-timeline-more'));
    await waitFor(() => expect(kinds()).toEqual(['note', 'refund', 'payment', 'account_linked', 'customer_created']));
    expect(invoke).toHaveBeenCalledWith('customer_timeline', { input: { customerId: 7, before: 'c1', limit: 30 } });
    expect(screen.queryByTestId('customer-timeline-more')).toBeNull();
    // Never a raw status key.
    for (const label of screen.getAllByTestId('customer-timeline-status').map((s) => s.textContent ?? '')) {
      expect(label).not.toMatch(/_/);
    }
  });

  it('edits the customer and adds a dated note (support)', async () => {
    app.status = as('support');
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage({ notes: 'VIP' }),
        customer_timeline: () => ({ items: [], next: null }),
        update_customer: () => details({ email: 'budi.baru@example.co.id' }, 'VIP, prefers WhatsApp'),
        add_customer_note: () => ({ id: 3, customerId: 7, text: 'Called back', at: '2026-03-05T04:00:00Z', author: 'Rina' }),
      }),
    );
    render(CustomerPage, { customerId: 7, onback: () => {} });
    await screen.findByTestId('customer-name');
    expect(screen.queryByTestId('customer-forget')).toBeNull();
    expect(screen.getByTestId('customer-notes-text').textContent).toBe('VIP');

    await fireEvent.click(screen.getByTestId('customer-edit'));
    const dialog = screen.getByTestId('customer-form-dialog');
    expect((within(dialog).getByTestId('customer-form-name') as HTMLInputElement).value).toBe('Budi Santoso');
    expect((within(dialog).getByTestId('customer-form-merchant-id') as HTMLInputElement).value).toBe('CUST-0007');
    await fireEvent.input(within(dialog).getByTestId('customer-form-email'), {
      target: { value: 'budi.baru@example.co.id' },
    });
    await fireEvent.click(within(dialog).getByTestId('customer-form-save'));
    await waitFor(() => expect(screen.queryByTestId('customer-form-dialog')).toBeNull());
    expect(screen.getByTestId('customer-email').textContent).toBe('budi.baru@example.co.id');
    expect(screen.getByTestId('customer-notes-text').textContent).toBe('VIP, prefers WhatsApp');
    expect(invoke).toHaveBeenCalledWith('update_customer', {
      input: {
        customerId: 7,
        fields: {
          fullName: 'Budi Santoso',
          phone: '0812-3456-7890',
          merchantCustomerId: 'CUST-0007',
          email: 'budi.baru@example.co.id',
          notes: 'VIP',
        },
      },
    });

    await fireEvent.input(screen.getByTestId('customer-note-text'), { target: { value: 'Called back' } });
    await fireEvent.click(screen.getByTestId('customer-note-add'));
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('add_customer_note', { input: { customerId: 7, text: 'Called back' } }),
    );
    // The timeline is read again to show the note.
    await waitFor(() =>
      expect(invoke.mock.calls.filter(([cmd]) => cmd === 'customer_timeline').length).toBeGreaterThanOrEqual(3),
    );
    expect((screen.getByTestId('customer-note-text') as HTMLTextAreaElement).value).toBe('');
  });

  it('forgets a customer with payments (admin) and says a live account must be unlinked first', async () => {
    app.status = as('admin');
    let live = true;
    const onback = vi.fn();
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage(),
        customer_timeline: () => ({ items: [], next: null }),
        forget_customer: () => {
          if (live) {
            throw { code: 'conflict', message: 'live account', reason: 'customer_has_live_account' };
          }
          return { outcome: 'anonymised', customerId: 7 };
        },
      }),
    );
    render(CustomerPage, { customerId: 7, onback });
    await screen.findByTestId('customer-name');
    await fireEvent.click(screen.getByTestId('customer-forget'));
    expect(screen.getByTestId('forget-expected').getAttribute('data-outcome')).toBe('anonymised');
    await fireEvent.click(screen.getByTestId('forget-confirm'));
    const error = await screen.findByTestId('form-error');
    expect(error.textContent).toContain('Unlink it first');
    live = false;
    await fireEvent.click(screen.getByTestId('forget-confirm'));
    await waitFor(() => expect(screen.queryByTestId('forget-dialog')).toBeNull());
    expect(onback).not.toHaveBeenCalled();
    expect(invoke.mock.calls.filter(([cmd]) => cmd === 'customer_page').length).toBe(2);
  });

  it('leaves the page once a customer without payments is deleted', async () => {
    app.status = as('admin');
    const onback = vi.fn();
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage({ payments: [], refunds: [] }),
        customer_timeline: () => ({ items: [], next: null }),
        forget_customer: () => ({ outcome: 'deleted', customerId: 7 }),
      }),
    );
    render(CustomerPage, { customerId: 7, onback });
    await screen.findByTestId('customer-name');
    await fireEvent.click(screen.getByTestId('customer-forget'));
    expect(screen.getByTestId('forget-expected').getAttribute('data-outcome')).toBe('deleted');
    await fireEvent.click(screen.getByTestId('forget-confirm'));
    await waitFor(() => expect(onback).toHaveBeenCalled());
  });

  it('shows a forgotten customer as such, with nothing left to edit, note or forget', async () => {
    app.status = status('active', {
      permissions: ['view_customers', 'manage_customers', 'forget_customers', 'link_accounts'],
    });
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () =>
          customerPage({ customer: { ...customerPage().customer, fullName: '', email: null, forgotten: true } }),
        customer_timeline: () => ({ items: [], next: null }),
      }),
    );
    setCurrentLanguage('id');
    render(CustomerPage, { customerId: 7, onback: () => {} });
    await waitFor(() => expect(screen.getByTestId('customer-name').textContent?.trim()).toBe('Pelanggan yang dilupakan'));
    expect(screen.getByTestId('customer-forgotten').textContent).toBe('Dilupakan');
    expect(screen.queryByTestId('customer-edit')).toBeNull();
    expect(screen.queryByTestId('customer-forget')).toBeNull();
    expect(screen.queryByTestId('customer-note-add')).toBeNull();
    expect(await screen.findByTestId('customer-timeline-empty')).toBeTruthy();
  });
});
