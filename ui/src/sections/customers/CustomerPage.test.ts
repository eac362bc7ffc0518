import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import CustomerPage from './CustomerPage.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { desk } from '../../lib/desk.svelte';
import { app } from '../../lib/session.svelte';
import { fakeBackend, freshEachTest, status } from '../../test/fixtures';
import { keyboardUser, tabTo } from '../../test/keyboard';
import { account, customerPage, problem } from '../../test/customers';
import type { HistoryInput, LinkedAccountView } from '../../lib/ipc/types';

function open() {
  return render(CustomerPage, { customerId: 7, onback: () => {} });
}

describe('CustomerPage', () => {
  freshEachTest(invoke);
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows the profile, payments, refunds and accounts in every status', async () => {
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () =>
          customerPage({
            accounts: [
              account(6, 'pending', 'doku_snap_ovo'),
              account(5, 'active'),
              account(4, 'failed', 'doku_snap_ovo'),
              account(3, 'expired', 'faspay_ovo_tokenize', { problem: null }),
              account(2, 'unlinking', 'tazapay_ovo_idr', {
                problem: problem('unknown_outcome', { providerCode: null, detail: 'the connection closed' }),
              }),
              account(1, 'unlinked'),
            ],
          }),
      }),
    );
    open();
    const pageEl = await screen.findByTestId('customer-page');
    expect(within(pageEl).getByTestId('customer-name').textContent).toBe('Budi Santoso');
    expect(screen.getByTestId('customer-phone').textContent).toBe('0812-3456-7890');

    const statuses = screen.getAllByTestId('account-status').map((s) => s.getAttribute('data-status'));
    expect(statuses.sort()).toEqual(['active', 'expired', 'failed', 'pending', 'unlinked', 'unlinking']);

    // Grouped per product: both OVO SNAP linkings in one group.
    const snap = screen.getByTestId('account-group-ovo_snap');
    expect(within(snap).getAllByTestId('account-ovo_snap').map((c) => c.getAttribute('data-status'))).toEqual([
      'active',
      'unlinked',
    ]);

    const doku = screen.getAllByTestId('account-doku_snap_ovo');
    const pending = doku.find((c) => c.getAttribute('data-status') === 'pending')!;
    expect(pending.textContent).toContain('Waiting for the customer');
    expect(pending.textContent).toContain('5 Mar 2026 10:15 WIB');
    expect(within(pending).getByTestId('open-link-page')).toBeTruthy();

    const failed = doku.find((c) => c.getAttribute('data-status') === 'failed')!;
    expect(within(failed).getByTestId('account-problem').textContent).toContain('The provider declined the request.');
    expect(within(failed).getByTestId('problem-detail').textContent).toContain('4030705');
    expect(within(failed).getByTestId('retry-link')).toBeTruthy();

    const expired = screen.getByTestId('account-faspay_ovo_tokenize');
    expect(expired.textContent).toContain('The customer did not complete the linking in time.');

    // An unlink the provider has not answered: said so, with the problem; no unlink button.
    const unlinkingCard = screen.getByTestId('account-tazapay_ovo_idr');
    expect(within(unlinkingCard).getByTestId('unlinking-problem').textContent).toContain(
      'The provider has not responded to the unlink request yet',
    );
    expect(within(unlinkingCard).queryByTestId('unlink')).toBeNull();

    const unlinked = screen.getAllByTestId('account-ovo_snap')[1];
    expect(within(unlinked).getByTestId('account-unlinked-at').textContent).toContain('2 Mar 2026 12:00 WIB');
    expect(within(unlinked).queryByTestId('balance')).toBeNull();
    expect(within(unlinked).queryByTestId('unlink')).toBeNull();

    const active = screen.getAllByTestId('account-ovo_snap')[0];
    expect(within(active).getByTestId('balance-cash').textContent).toBe('IDR\u00a0150,000');
    expect(within(active).getByTestId('balance-points').textContent).toBe('IDR\u00a02,500');
    expect(within(active).getByTestId('balance-as-of').textContent).toContain('5 Mar 2026 09:15 WIB');
    expect(within(active).getByTestId('unlink')).toBeTruthy();
    expect(within(active).getByTestId('history')).toBeTruthy();
    expect(within(active).getByTestId('topup')).toBeTruthy();

    const payment = screen.getByTestId('customer-payment');
    expect(payment.textContent).toContain('PAY-0011');
    expect(payment.textContent).toContain('IDR\u00a0125,000');
    expect(payment.textContent).toContain('Succeeded');
    expect(screen.getByTestId('customer-refund').textContent).toContain('Awaiting approval');
  });

  it("names a refund's status in the refund's own words, a transfer awaited included", async () => {
    const refund = customerPage().refunds[0];
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () =>
          customerPage({
            refunds: [
              { ...refund, id: 22, reference: 'RFD-0022', status: 'awaiting_transfer' },
              { ...refund, id: 21, reference: 'RFD-0021', status: 'settled_offline' },
            ],
          }),
      }),
    );
    open();
    await screen.findByTestId('customer-page');
    const words = screen.getAllByTestId('customer-refund').map((row) => row.querySelector('.badge')?.textContent);
    expect(words).toEqual(['Awaiting transfer', 'Settled offline']);
  });

  it('keeps the old figures when a balance refresh fails, and says so', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-05T05:00:00Z'));
    const failed: LinkedAccountView = account(5, 'active', 'ovo_snap', {
      balance: {
        cash: 150000,
        points: 2500,
        asOf: '2026-03-05T02:15:00Z',
        lastFailure: problem('timeout', { providerCode: null, detail: 'no answer within 10 s' }),
        stale: true,
      },
    });
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage({ accounts: [account(5, 'active')] }),
        refresh_balance: () => failed,
      }),
    );
    open();
    await fireEvent.click(await screen.findByTestId('balance-refresh'));
    const note = await screen.findByTestId('balance-failure');
    expect(invoke).toHaveBeenCalledWith('refresh_balance', { input: { accountId: 5 } });
    expect(note.textContent).toContain('Refresh failed at 10:42 WIB — showing figures as of 09:15 WIB.');
    expect(note.textContent).toContain('The provider did not answer in time. The outcome is unknown until checked.');
    expect(within(note).getByTestId('problem-detail').textContent).toBe('Details: no answer within 10 s');
    expect(screen.getByTestId('balance-cash').textContent).toBe('IDR\u00a0150,000');
    expect(screen.getByTestId('balance-points').textContent).toBe('IDR\u00a02,500');
    expect(screen.getByTestId('balance-stale').textContent).toBe('Stale');
  });

  it('asks before unlinking, naming the phone and the product', async () => {
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage(),
        unlink_account: () => ({ outcome: 'unlinked', account: account(1, 'unlinked') }),
      }),
    );
    open();
    await fireEvent.click(await screen.findByTestId('unlink'));
    const dialog = screen.getByTestId('unlink-dialog');
    expect(within(dialog).getByTestId('unlink-question').textContent?.trim()).toBe(
      'Unlink OVO account 0812-3456-7890 from OVO SNAP?',
    );
    expect(invoke).not.toHaveBeenCalledWith('unlink_account', expect.anything());

    await fireEvent.click(screen.getByTestId('unlink-cancel'));
    expect(screen.queryByTestId('unlink-dialog')).toBeNull();

    await fireEvent.click(screen.getByTestId('unlink'));
    expect(screen.getByTestId('customer-linked-products').textContent).toContain('OVO SNAP');
    await fireEvent.click(screen.getByTestId('unlink-confirm'));
    await waitFor(() => expect(screen.getByTestId('account-status').getAttribute('data-status')).toBe('unlinked'));
    expect(screen.getByTestId('customer-linked-products').textContent).not.toContain('OVO SNAP');
    expect(invoke).toHaveBeenCalledWith('unlink_account', { input: { accountId: 1 } });
    expect(screen.queryByTestId('unlink-dialog')).toBeNull();
  });

  it('asks in Indonesian too', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(fakeBackend({ customer_page: () => customerPage() }));
    open();
    await fireEvent.click(await screen.findByTestId('unlink'));
    expect(screen.getByTestId('unlink-question').textContent?.trim()).toBe(
      'Putuskan tautan akun OVO 0812-3456-7890 dari OVO SNAP?',
    );
  });

  const declined = { code: 'provider', reason: 'provider_declined', message: 'responseCode 4030705 Do Not Honor' } as const;
  it.each([
    ['en', declined, 'The provider declined the request.', 'Details: responseCode 4030705 Do Not Honor'],
    ['id', declined, 'Penyedia menolak permintaan ini.', 'Rincian: responseCode 4030705 Do Not Honor'],
    [
      'en',
      { code: 'provider', reason: 'provider_timeout', message: 'no answer within 10 s' },
      'The provider did not answer in time. The outcome is unknown until checked.',
      'Details: no answer within 10 s',
    ],
    [
      'en',
      { code: 'conflict', reason: 'account_bound_elsewhere', message: 'bound to customer 12' },
      'This OVO account is already linked to another customer.',
      null,
    ],
  ] as const)('translates a %s link failure %j', async (language, body, text, detail) => {
    setCurrentLanguage(language);
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage(),
        start_link: () => {
          throw body;
        },
      }),
    );
    open();
    await fireEvent.click(await screen.findByTestId('link-start'));
    const error = await screen.findByTestId('link-error');
    expect(error.textContent).toContain(text);
    expect(error.textContent).not.toContain('{');
    if (detail) expect(within(error).getByTestId('problem-detail').textContent).toBe(detail);
    else expect(within(error).queryByTestId('problem-detail')).toBeNull();
  });

  it('starts a linking with the chosen product and the prefilled phone, and shows it pending', async () => {
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage({ accounts: [] }),
        start_link: () => account(9, 'pending', 'doku_snap_ovo'),
      }),
    );
    open();
    expect(await screen.findByTestId('accounts-empty')).toBeTruthy();
    expect((screen.getByTestId('link-phone') as HTMLInputElement).value).toBe('0812-3456-7890');
    const select = screen.getByTestId('link-product-select') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual([
      'OVO SNAP',
      'DOKU SNAP OVO',
      'Faspay OVO Tokenize',
    ]);
    await fireEvent.change(select, { target: { value: 'doku_snap_ovo' } });
    await fireEvent.click(screen.getByTestId('link-start'));
    const card = await screen.findByTestId('account-doku_snap_ovo');
    expect(invoke).toHaveBeenCalledWith('start_link', {
      input: { customerId: 7, product: 'doku_snap_ovo', phone: '0812-3456-7890' },
    });
    expect(card.getAttribute('data-status')).toBe('pending');

    invoke.mockImplementation(fakeBackend({ open_external: () => null, refresh_link: () => account(9, 'pending', 'doku_snap_ovo') }));
    await fireEvent.click(within(card).getByTestId('open-link-page'));
    expect(invoke).toHaveBeenCalledWith('open_external', { input: { product: 'doku_snap_ovo', url: 'https://sandbox.example/link/abc' } });
  });

  it('polls a pending linking every 2 s and stops once it is no longer pending', async () => {
    vi.useFakeTimers();
    let checks = 0;
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage({ accounts: [account(6, 'pending'), account(5, 'expired', 'ovo_snap', { problem: problem('expired') })] }),
        refresh_link: (args) => {
          checks += 1;
          expect(args).toEqual({ input: { accountId: 6 } });
          return checks < 2 ? account(6, 'pending') : account(6, 'active');
        },
      }),
    );
    open();
    await vi.advanceTimersByTimeAsync(0);
    expect(screen.getAllByTestId('account-ovo_snap')[0].getAttribute('data-status')).toBe('pending');
    expect(checks).toBe(0);
    await vi.advanceTimersByTimeAsync(1999);
    expect(checks).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(checks).toBe(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(checks).toBe(2);
    expect(screen.getAllByTestId('account-ovo_snap')[0].getAttribute('data-status')).toBe('active');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(checks).toBe(2);
  });

  it('stops polling when the page closes', async () => {
    vi.useFakeTimers();
    const refresh = vi.fn(() => account(6, 'pending'));
    invoke.mockImplementation(
      fakeBackend({ customer_page: () => customerPage({ accounts: [account(6, 'pending')] }), refresh_link: refresh }),
    );
    const view = open();
    await vi.advanceTimersByTimeAsync(4000);
    expect(refresh).toHaveBeenCalledTimes(2);
    view.unmount();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('keeps polling after a failed check, and says so', async () => {
    vi.useFakeTimers();
    let calls = 0;
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage({ accounts: [account(6, 'pending')] }),
        refresh_link: () => {
          calls += 1;
          if (calls === 1) throw { code: 'provider', reason: 'provider_connection', message: 'refused' };
          return account(6, 'pending');
        },
      }),
    );
    open();
    await vi.advanceTimersByTimeAsync(2000);
    expect(screen.getByTestId('account-pending').textContent).toContain('The last check did not go through');
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toBe(2);
    expect(screen.getByTestId('account-pending').textContent).toContain('Checking with the provider every 2 seconds.');
  });

  it('retries a failed linking and shows the new pending one', async () => {
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage({ accounts: [account(4, 'failed')] }),
        retry_link: () => account(8, 'pending'),
      }),
    );
    open();
    await fireEvent.click(await screen.findByTestId('retry-link'));
    await waitFor(() => expect(screen.getAllByTestId('account-ovo_snap')).toHaveLength(2));
    expect(invoke).toHaveBeenCalledWith('retry_link', { input: { accountId: 4 } });
    expect(screen.getAllByTestId('account-ovo_snap').map((c) => c.getAttribute('data-status'))).toEqual([
      'pending',
      'failed',
    ]);
  });

  it('hides link, retry and unlink without link_accounts', async () => {
    app.status = status('active', { permissions: ['view_customers'] });
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () =>
          customerPage({ accounts: [account(5, 'active'), account(4, 'failed', 'doku_snap_ovo'), account(3, 'pending', 'faspay_ovo_tokenize')] }),
      }),
    );
    open();
    await screen.findByTestId('account-doku_snap_ovo');
    for (const testid of ['link-form', 'link-start', 'unlink', 'retry-link']) {
      expect(screen.queryByTestId(testid), testid).toBeNull();
    }
    // Viewing stays: balances, history, top-up.
    for (const testid of ['balance-refresh', 'history-load', 'topup-load']) {
      expect(screen.getByTestId(testid)).toBeTruthy();
    }
  });

  it('loads the history for the last 30 days (WIB) and pages through it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-04T18:00:00Z')); // 5 Mar 01:00 WIB
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage(),
        account_history: (args) => {
          const q = (args as { input: HistoryInput }).input;
          return {
            entries: [
              {
                providerId: `h-${q.page}`,
                at: '2026-03-01T03:00:00Z',
                amount: 50000,
                direction: q.page === 1 ? 'debit' : 'credit',
                description: q.page === 1 ? 'Payment PAY-0011' : 'Top-up',
              },
            ],
            page: q.page,
            nextPage: q.page === 1 ? 2 : null,
            fetchedAt: q.page === 1 ? '2026-03-04T18:00:00Z' : null,
            problem: q.page === 2 ? problem('unavailable', { providerCode: '5030701' }) : null,
            cachedTotal: 12,
          };
        },
      }),
    );
    open();
    const from = (await screen.findByTestId('history-from')) as HTMLInputElement;
    expect(from.value).toBe('04/02/2026');
    expect((screen.getByTestId('history-to') as HTMLInputElement).value).toBe('05/03/2026');
    await fireEvent.click(screen.getByTestId('history-load'));
    const row = await screen.findByTestId('history-entry');
    expect(invoke).toHaveBeenCalledWith('account_history', {
      input: { accountId: 1, from: '2026-02-04', to: '2026-03-05', page: 1 },
    });
    expect(row.textContent).toContain('1 Mar 2026 10:00 WIB');
    expect(row.textContent).toContain('Payment PAY-0011');
    expect(row.getAttribute('data-direction')).toBe('debit');
    expect(row.children[2].textContent?.trim()).toBe('IDR\u00a050,000');
    expect(row.children[3].textContent?.trim()).toBe('');

    await fireEvent.click(screen.getByTestId('history-next'));
    await waitFor(() => expect(screen.getByTestId('history-entry').getAttribute('data-provider-id')).toBe('h-2'));
    expect(screen.getByTestId('history-problem').textContent).toContain('temporarily unavailable');
    expect(screen.getByTestId('history-problem').textContent).toContain('saved from earlier fetches');
    expect(within(screen.getByTestId('history-problem')).getByTestId('problem-detail').textContent).toContain('5030701');
    expect((screen.getByTestId('history-next') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('history-prev') as HTMLButtonElement).disabled).toBe(false);
  });

  it('refuses an inverted date range without asking the back end', async () => {
    invoke.mockImplementation(fakeBackend({ customer_page: () => customerPage() }));
    open();
    await fireEvent.input(await screen.findByTestId('history-from'), { target: { value: '05/03/2026' } });
    await fireEvent.input(screen.getByTestId('history-to'), { target: { value: '01/03/2026' } });
    await fireEvent.click(screen.getByTestId('history-load'));
    expect(screen.getByTestId('history-range-error')).toBeTruthy();
    expect(invoke).not.toHaveBeenCalledWith('account_history', expect.anything());
  });

  it('shows top-up options with inline icons, ordered steps and links for the browser', async () => {
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage(),
        top_up_instructions: () => ({
          options: [
            {
              title: 'ATM BCA',
              steps: ['Insert your card', 'Choose Transfer', 'Enter 39358 + phone'],
              icon: 'data:image/png;base64,iVBORw0KGgo=',
              link: 'https://www.ovo.id/topup/bca',
            },
            { title: 'Alfamart', steps: ['Tell the cashier'], icon: 'https://evil.example/x.png', link: 'javascript:alert(1)' },
          ],
          configured: false,
          fetchedAt: '2026-03-05T03:00:00Z',
          problem: null,
        }),
        open_external: () => null,
      }),
    );
    open();
    await fireEvent.click(await screen.findByTestId('topup-load'));
    await waitFor(() => expect(screen.getAllByTestId('topup-option')).toHaveLength(2));
    const [bca, alfa] = screen.getAllByTestId('topup-option');
    expect(bca.querySelector('img')?.getAttribute('src')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect([...bca.querySelectorAll('ol li')].map((li) => li.textContent)).toEqual([
      'Insert your card',
      'Choose Transfer',
      'Enter 39358 + phone',
    ]);
    expect(alfa.querySelector('img')).toBeNull();
    expect(within(alfa).queryByTestId('topup-link')).toBeNull();
    await fireEvent.click(within(bca).getByTestId('topup-link'));
    expect(invoke).toHaveBeenCalledWith('open_external', { input: { product: 'ovo_snap', url: 'https://www.ovo.id/topup/bca' } });
  });

  it('shows the merchant’s configured top-up text in the reader’s language and follows a switch', async () => {
    const text = {
      en: { title: 'OVO app', steps: ['Open the OVO app'] },
      id: { title: 'Aplikasi OVO', steps: ['Buka aplikasi OVO'] },
    };
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage(),
        top_up_instructions: (args) => {
          const input = (args as { input: { language: 'en' | 'id' } }).input;
          return {
            options: [{ ...text[input.language], icon: null, link: null }],
            configured: true,
            fetchedAt: null,
            problem: null,
          };
        },
      }),
    );
    open();
    await fireEvent.click(await screen.findByTestId('topup-load'));
    expect((await screen.findByTestId('topup-option')).querySelector('h5')?.textContent).toBe('OVO app');
    expect(screen.getByTestId('topup-configured').textContent).toContain('provider settings');
    expect(invoke).toHaveBeenCalledWith('top_up_instructions', { input: { accountId: expect.any(Number), language: 'en' } });
    setCurrentLanguage('id');
    await waitFor(() => expect(screen.getByTestId('topup-option').querySelector('h5')?.textContent).toBe('Aplikasi OVO'));
    expect(screen.getByTestId('topup-configured').textContent).toContain('pengaturan penyedia');
  });

  it('says where to write top-up text when none is configured', async () => {
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage(),
        top_up_instructions: () => ({ options: [], configured: true, fetchedAt: null, problem: null }),
      }),
    );
    open();
    await fireEvent.click(await screen.findByTestId('topup-load'));
    expect((await screen.findByTestId('topup-empty')).textContent).toContain('Settings → Provider settings');
  });

  it('offers "New payment" with the customer preselected, only with take_payments', async () => {
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage(),
        payment_options: () => [
          { product: 'ovo_snap', productName: 'OVO SNAP', kinds: ['direct_debit'], kindsOnLinkedAccount: ['direct_debit'], sources: [], testPhone: null, needsEmail: false },
        ],
      }),
    );
    open();
    await fireEvent.click(await screen.findByTestId('new-payment'));
    const dialog = await screen.findByTestId('new-payment-dialog');
    expect(within(dialog).getByTestId('payment-customer').getAttribute('data-customer-id')).toBe('7');
    // The customer's active OVO SNAP account is offered.
    const select = await within(dialog).findByTestId('payment-account');
    expect((select as HTMLSelectElement).value).toBe('1');
  });

  describe.each([
    { kind: 'payment', id: 11, section: 'payments', opened: () => desk.paymentId },
    { kind: 'refund', id: 21, section: 'refunds', opened: () => desk.refundId },
  ] as const)('a $kind row opens the $kind’s page', ({ kind, id, section, opened }) => {
    afterEach(() => {
      desk.paymentId = null;
      desk.refundId = null;
    });

    async function shownRow() {
      app.section = 'customers';
      invoke.mockImplementation(fakeBackend({ customer_page: () => customerPage() }));
      open();
      return screen.findByTestId(`customer-${kind}`);
    }

    it('on a click anywhere in the row', async () => {
      const row = await shownRow();
      expect(opened()).toBeNull();
      await fireEvent.click(row.querySelector('.cell-amount')!);
      expect(opened()).toBe(id);
      expect(app.section).toBe(section);
    });

    it('by keyboard: Tab to the row’s reference, then Enter', async () => {
      const row = await shownRow();
      const reference = within(row).getByRole('button', { name: row.dataset.reference });
      const user = keyboardUser();
      await tabTo(user, reference);
      expect(opened()).toBeNull();
      await user.keyboard('{Enter}');
      expect(opened()).toBe(id);
      expect(app.section).toBe(section);
    });
  });

  it('hides "New payment" without take_payments', async () => {
    app.status = status('active', { permissions: ['view_customers', 'link_accounts', 'request_refunds'] });
    invoke.mockImplementation(fakeBackend({ customer_page: () => customerPage() }));
    open();
    await screen.findByTestId('customer-name');
    expect(screen.queryByTestId('new-payment')).toBeNull();
  });
  it('shows an account that needs a re-link with its badge in both languages, opens the page and checks again', async () => {
    const relink = account(8, 'needs_relink', 'faspay_ovo_tokenize', {
      redirectUrl: 'https://sandbox.example/faspay/relink/1',
      problem: problem('declined'),
    });
    let refreshed = 0;
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () => customerPage({ accounts: [relink] }),
        open_external: () => null,
        refresh_link: () => {
          refreshed += 1;
          return account(8, 'active', 'faspay_ovo_tokenize');
        },
      }),
    );
    open();
    const card = await screen.findByTestId('account-faspay_ovo_tokenize');
    const badge = within(card).getByTestId('account-status');
    expect(badge.textContent?.trim()).toBe('Needs re-link');
    expect(badge.className).toContain('badge-warning');
    expect(within(card).getByTestId('account-relink').textContent).toContain('linked again');
    await fireEvent.click(within(card).getByTestId('open-relink-page'));
    expect(invoke).toHaveBeenCalledWith('open_external', { input: { product: 'faspay_ovo_tokenize', url: 'https://sandbox.example/faspay/relink/1' } });
    await fireEvent.click(within(card).getByTestId('check-relink'));
    await waitFor(() => expect(screen.getByTestId('account-faspay_ovo_tokenize').getAttribute('data-status')).toBe('active'));
    expect(refreshed).toBe(1);
    expect(invoke).toHaveBeenCalledWith('refresh_link', { input: { accountId: 8 } });
  });

  it('names the re-link state in Bahasa Indonesia', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(
      fakeBackend({
        customer_page: () =>
          customerPage({ accounts: [account(8, 'needs_relink', 'faspay_ovo_tokenize', { redirectUrl: 'https://x.example/r' })] }),
      }),
    );
    open();
    const card = await screen.findByTestId('account-faspay_ovo_tokenize');
    expect(within(card).getByTestId('account-status').textContent?.trim()).toBe('Perlu ditautkan ulang');
    expect(within(card).getByTestId('open-relink-page').textContent).toContain('Buka halaman penautan ulang');
  });
});
