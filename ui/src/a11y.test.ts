// axe-core on every screen, section and main dialog, each in the role that sees it. `color-contrast` is off
// here: jsdom has no layout (contrast is checked by its own test).

import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import App from './App.svelte';
import { desk } from './lib/desk.svelte';
import { visibleSettingsTabs, type Section, type SettingsTab } from './lib/nav';
import { app } from './lib/session.svelte';
import {
  axeViolations,
  describeViolations,
  expectNoAxeViolations,
  freshAppEachTest,
  signedIn,
  worldHandlers,
  type Role,
} from './test/a11y';
import { refusal } from './test/answers';
import { fakeBackend, status } from './test/fixtures';
import { refundView } from './test/payments';
import { FILE_LEDGER } from './test/settings';
import type { SessionStatus } from './lib/ipc/types';

/** Each settings tab, and what shows once it has loaded (null: nothing to wait for). */
const SETTINGS_SHOWS: Record<SettingsTab, string | null> = {
  operators: 'operator-row-admin',
  credentials: 'cred-environment',
  provider_settings: 'provsettings-ovo_snap',
  refund_policies: 'policy-row-ovo_snap',
  notifications: null,
  ledger: 'enrolment-row-XH4PA',
  preferences: null,
};
const SETTINGS_TABS = Object.keys(SETTINGS_SHOWS) as SettingsTab[];

/** Screens before the shell: name, session, and what shows once it is up. */
const SCREENS: [string, SessionStatus, string][] = [
  ['set-up', status('uninitialized'), 'screen-setup'],
  ['sign-in', status('signed_out'), 'screen-signin'],
  ['lock', status('locked'), 'lock-screen'],
  ['change password', status('password_change_required', { permissions: [] }), 'screen-change-password'],
];

/** Sections checked as they first show: name, role, section, and a wait for what shows once loaded. */
const SECTIONS: [string, Role, Section, () => Promise<unknown>][] = [
  ['reconciliation (finance)', 'finance', 'reconciliation', () => screen.findAllByText('settlement-ovo_snap-2026-03-05.csv')],
  ['reports (finance)', 'finance', 'reports', () => screen.findAllByText('Sari Staff')],
  ['dashboard (finance)', 'finance', 'dashboard', () => screen.findByTestId('dashboard-refund-rate-amount')],
  ['audit log (admin)', 'admin', 'audit', () => screen.findByTestId('audit-row')],
];

/** Lists checked with the record page a row opens: name, role, section, the row's control once loaded, and what
 * shows on the page. */
const LISTS: [string, Role, Section, () => Promise<HTMLElement>, string][] = [
  ['payments: the list and a payment page (staff)', 'staff', 'payments', async () => (await screen.findAllByTestId('payment-row'))[0], 'refund-request'],
  [
    'refunds: the queue and a refund page (finance)',
    'finance',
    'refunds',
    async () => within(await screen.findByTestId('refund-row')).getByRole('button'),
    'refund-approve',
  ],
];

type Handler = (args: Record<string, unknown> | undefined) => unknown;

function boot(session: ReturnType<typeof status>, extra: Record<string, Handler> = {}) {
  invoke.mockImplementation(fakeBackend({ ...worldHandlers(session), ...extra }));
  render(App);
}

/** Signs in as `role` on `section` (the role's start when not given) and waits for the shell. */
async function shell(role: Role, section: Section | null = null) {
  app.section = section;
  boot(signedIn(role));
  return screen.findByTestId('screen-shell');
}

freshAppEachTest(invoke);
beforeEach(() => {
  document.title = 'OVO Back Office';
});

// Each axe run on a whole screen takes a second or more in jsdom.
describe('axe finds no violations', { timeout: 30_000 }, () => {
  describe('screens', () => {
    it.each(SCREENS)('%s', async (_name, session, shows) => {
      boot(session);
      await screen.findByTestId(shows);
      await expectNoAxeViolations();
    });

    it('enrol desk', async () => {
      boot(status('signed_out'), { startup_state: () => ({ needsEnrolment: true, location: 'postgres://db.example/ledger', recovery: null }) });
      await screen.findByTestId('screen-enrol');
      await expectNoAxeViolations();
    });

    it('recovery of a damaged ledger file, with a copy from before an update', async () => {
      const recovery = {
        ledger: '/home/ayu/.local/share/ovo-back-office/ledger.sqlite',
        problems: ['*** in database main ***\nPage 5: btreeInitPage() returns error code 11'],
        backups: [
          { name: 'ledger-20260305T000000Z.sqlite', takenAt: '2026-03-05T00:00:00Z', bytes: 1_572_864, sound: false, beforeUpdate: false },
          { name: 'ledger.sqlite.before-migration-43.1772600000.bak', takenAt: '2026-03-04T05:00:00Z', bytes: 1_511_424, sound: true, beforeUpdate: true },
        ],
      };
      boot(status('signed_out'), { startup_state: () => ({ needsEnrolment: false, location: null, recovery }) });
      await screen.findByTestId('screen-recovery');
      await screen.findByTestId('recovery-before-update-hint');
      await expectNoAxeViolations();
    });

    it('the shell, with the change password dialog', async () => {
      await shell('admin', 'settings');
      await expectNoAxeViolations();
      await fireEvent.click(screen.getByTestId('change-password'));
      await screen.findByTestId('change-password-dialog');
      await expectNoAxeViolations();
    });
  });

  describe('sections', () => {
    it('customers: search, results, a customer page (staff)', async () => {
      await shell('staff', 'customers');
      await expectNoAxeViolations();
      await fireEvent.input(screen.getByTestId('customer-search'), { target: { value: 'budi' } });
      await fireEvent.click(await screen.findByTestId('search-hit', {}, { timeout: 3000 }));
      await screen.findByTestId('customer-page');
      await screen.findByTestId('customer-edit');
      await expectNoAxeViolations();
    });

    it.each(LISTS)('%s', async (_name, role, section, opener, shows) => {
      await shell(role, section);
      const open = await opener();
      await expectNoAxeViolations();
      await fireEvent.click(open);
      await screen.findByTestId(shows);
      await expectNoAxeViolations();
    });

    it('empty lists and a load failure (staff)', async () => {
      app.section = 'payments';
      boot(signedIn('staff'), { payments_page: () => ({ items: [], next: null }) });
      await screen.findByTestId('payments-empty');
      await expectNoAxeViolations();
      await fireEvent.click(screen.getByTestId('nav-customers'));
      await fireEvent.input(screen.getByTestId('customer-search'), { target: { value: 'nobody' } });
      invoke.mockImplementation(
        fakeBackend({ ...worldHandlers(signedIn('staff')), search_customers: refusal('internal', null, 'down') }),
      );
      await screen.findByTestId('search-error', {}, { timeout: 3000 });
      await expectNoAxeViolations();
    });

    it('a payment page in Indonesian (finance)', async () => {
      app.section = 'payments';
      desk.paymentId = 11;
      boot(signedIn('finance'), {
        app_info: () => ({ version: '0.1.0', environment: 'builtin_sandbox', osLocale: 'id-ID', language: 'id' }),
        get_preferences: () => ({ language: 'id', idleLockMinutes: 15, environment: 'builtin_sandbox' }),
      });
      await screen.findByTestId('payment-page');
      expect(document.documentElement.lang).toBe('id');
      await expectNoAxeViolations();
    });

    it.each(SECTIONS)('%s', async (_name, role, section, shows) => {
      await shell(role, section);
      await shows();
      await expectNoAxeViolations();
    });

    it.each(SETTINGS_TABS.map((tab) => [tab, SETTINGS_SHOWS[tab]]))('settings: %s (admin)', async (tab, shows) => {
      await shell('admin', 'settings');
      await fireEvent.click(screen.getByTestId(`settings-tab-${tab}`));
      if (shows) await screen.findByTestId(shows);
      else await new Promise((resolve) => setTimeout(resolve, 20));
      await expectNoAxeViolations();
    });

    it('settings: the ledger tab on a file, with its backups (admin)', async () => {
      app.section = 'settings';
      boot(signedIn('admin'), {
        ledger_info: () => FILE_LEDGER,
      });
      await fireEvent.click(await screen.findByTestId('settings-tab-ledger'));
      await screen.findAllByTestId('backup-row');
      await expectNoAxeViolations();
    });

    it('checks every settings tab the admin sees', () => {
      expect(visibleSettingsTabs(signedIn('admin').permissions)).toEqual(SETTINGS_TABS);
    });

    it('settings: preferences (staff)', async () => {
      await shell('staff', 'settings');
      await screen.findByTestId('settings-tab-preferences');
      await expectNoAxeViolations();
    });
  });

  describe('dialogs', () => {
    it('new payment (staff)', async () => {
      await shell('staff', 'payments');
      await fireEvent.click(screen.getByTestId('new-payment'));
      await screen.findByTestId('new-payment-dialog');
      await expectNoAxeViolations();
    });

    it('refund request (staff)', async () => {
      await shell('staff', 'payments');
      await fireEvent.click((await screen.findAllByTestId('payment-row'))[0]);
      await fireEvent.click(await screen.findByTestId('refund-request'));
      const dialog = await screen.findByTestId('refund-request-dialog');
      await within(dialog).findAllByText(/OVO SNAP: partial allowed/);
      await expectNoAxeViolations();
    });

    it.each(['approve', 'reject'])('decide: %s (finance)', async (decision) => {
      await shell('finance', 'refunds');
      await fireEvent.click(within(await screen.findByTestId('refund-row')).getByRole('button'));
      await fireEvent.click(await screen.findByTestId(`refund-${decision}`));
      await screen.findByTestId('refund-decide-dialog');
      await expectNoAxeViolations();
    });

    it.each([
      ['link account (staff)', 'customers-link', 'link-dialog'],
      ['customer form (staff)', 'customers-new', 'customer-form-dialog'],
      ['import customers (staff)', 'customers-import', 'import-dialog'],
    ])('%s', async (_name, opener, dialog) => {
      await shell('staff', 'customers');
      await fireEvent.click(screen.getByTestId(opener));
      await screen.findByTestId(dialog);
      await expectNoAxeViolations();
    });

    it('confirm: forget a customer (admin)', async () => {
      await shell('admin', 'customers');
      await fireEvent.input(screen.getByTestId('customer-search'), { target: { value: 'budi' } });
      await fireEvent.click(await screen.findByTestId('search-hit', {}, { timeout: 3000 }));
      await fireEvent.click(await screen.findByTestId('customer-forget'));
      await screen.findByTestId('forget-dialog');
      await expectNoAxeViolations();
    });

    it('resolve a settlement exception (finance)', async () => {
      await shell('finance', 'reconciliation');
      await fireEvent.click(await screen.findByTestId('settlement-resolve'));
      await screen.findByTestId('settlement-resolve-dialog-dialog');
      await expectNoAxeViolations();
    });

    it('record a transfer, with its date picker open (finance)', async () => {
      app.section = 'refunds';
      desk.refundId = 5;
      boot(signedIn('finance'), { refund_page: () => refundView(5, { status: 'awaiting_transfer', mode: 'manual' }) });
      await fireEvent.click(await screen.findByTestId('refund-record-transfer'));
      const dialog = await screen.findByTestId('refund-transfer-dialog');
      await expectNoAxeViolations();
      await fireEvent.click(within(dialog).getByTestId('refund-transfer-date-calendar'));
      await within(dialog).findByTestId('refund-transfer-date-picker');
      await expectNoAxeViolations();
    });

    it('confirm: withdraw an enrolment code (admin)', async () => {
      await shell('admin', 'settings');
      await fireEvent.click(screen.getByTestId('settings-tab-ledger'));
      await fireEvent.click(await screen.findByTestId('enrolment-withdraw-XH4PA'));
      await screen.findByTestId('enrolment-withdraw-dialog');
      await expectNoAxeViolations();
    });
  });
});

describe('the axe check', () => {
  it('reports an image without a text alternative and a button without a name', async () => {
    document.body.innerHTML = '<main><h1>Test</h1><img src="x.png"><button type="button"></button></main>';
    const violations = await axeViolations();
    expect(violations.map((v) => v.id).sort()).toEqual(['button-name', 'image-alt']);
    expect(describeViolations(violations)).toContain('image-alt');
    document.body.innerHTML = '';
  });
});
