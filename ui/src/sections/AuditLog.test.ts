import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import AuditLog from './AuditLog.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import { fakeBackend, freshEachTest } from '../test/fixtures';
import type { AuditEntryView, AuditQuery } from '../lib/ipc/types';

function entry(seq: number, action: string, outcome = 'ok'): AuditEntryView {
  return {
    seq,
    at: '2026-03-05T07:07:09Z',
    operator: seq === 1 ? null : 'admin',
    action,
    subject: `operator:${seq}`,
    outcome,
    detail: '',
  };
}

describe('AuditLog', () => {
  freshEachTest(invoke, null);

  it('lists entries with translated actions, WIB times and paging', async () => {
    invoke.mockImplementation(
      fakeBackend({
        verify_audit: () => ({ intact: true, checked: 4, brokenSeq: null, problem: null }),
        list_audit: (args) => {
          const q = (args as { input: AuditQuery }).input;
          return q.beforeSeq === null
            ? { items: [entry(4, 'session.sign_in'), entry(3, 'payment.teleport', 'denied')], next: 3 }
            : { items: [entry(2, 'operator.create'), entry(1, 'setup.first_admin')], next: null };
        },
      }),
    );
    render(AuditLog);
    const status = await screen.findByTestId('audit-verify-status');
    expect(status.getAttribute('data-intact')).toBe('true');
    expect(status.textContent).toContain('4 entries verified');

    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(2));
    const [first, second] = screen.getAllByTestId('audit-row');
    expect(first.getAttribute('data-seq')).toBe('4');
    expect(first.getAttribute('data-action')).toBe('session.sign_in');
    expect(first.textContent).toContain('Signed in');
    expect(first.textContent).toContain('05 Mar 2026 14:07:09 WIB');
    // Unknown action keys are shown raw.
    expect(second.textContent).toContain('payment.teleport');
    expect(second.textContent).toContain('Denied');

    await fireEvent.click(screen.getByTestId('audit-load-more'));
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(4));
    expect(invoke).toHaveBeenCalledWith('list_audit', { input: { beforeSeq: 3, limit: 50 } });
    expect(screen.getAllByTestId('audit-row').map((r) => r.getAttribute('data-seq'))).toEqual(['4', '3', '2', '1']);
    expect(screen.queryByTestId('audit-load-more')).toBeNull();
    expect(screen.getAllByTestId('audit-row')[3].textContent).toContain('System');
  });

  it('names the first broken entry and shows an unknown problem raw', async () => {
    setCurrentLanguage('id');
    invoke.mockImplementation(
      fakeBackend({
        verify_audit: () => ({ intact: false, checked: 7, brokenSeq: 5, problem: 'hash mismatch' }),
        list_audit: () => ({ items: [], next: null }),
      }),
    );
    render(AuditLog);
    const status = await screen.findByTestId('audit-verify-status');
    expect(status.getAttribute('data-intact')).toBe('false');
    expect(status.textContent).toContain('Rantai hash rusak pada entri #5: hash mismatch');
  });

  it.each([
    ['en', 'content_changed', 'Hash chain broken at entry #5: an entry was edited after it was written'],
    [
      'en',
      'chain_broken',
      'Hash chain broken at entry #5: an entry does not link to the one before it, so entries were inserted or removed',
    ],
    [
      'en',
      'entries_missing',
      'Hash chain broken at entry #5: entries are missing (there is a gap in the sequence numbers)',
    ],
    ['id', 'content_changed', 'Rantai hash rusak pada entri #5: sebuah entri diubah setelah dicatat'],
    [
      'id',
      'chain_broken',
      'Rantai hash rusak pada entri #5: sebuah entri tidak tersambung ke entri sebelumnya, jadi ada entri yang disisipkan atau dihapus',
    ],
    ['id', 'entries_missing', 'Rantai hash rusak pada entri #5: ada entri yang hilang (nomor urutnya terputus)'],
    [
      'en',
      'rebuilt',
      "Hash chain broken at entry #5: an entry's seal does not match this ledger's key, so the log was rewritten from the file without the key",
    ],
    [
      'en',
      'truncated',
      'Hash chain broken at entry #5: this entry, recorded outside the ledger as the newest, is no longer in the log, so the newest entries were removed',
    ],
    [
      'en',
      'key_missing',
      'Hash chain broken at entry #5: the entries from here on were sealed with an audit key the keychain no longer holds, so they cannot be checked',
    ],
    [
      'id',
      'rebuilt',
      'Rantai hash rusak pada entri #5: segel sebuah entri tidak cocok dengan kunci audit data ini, jadi jejak audit ditulis ulang dari berkas data tanpa kunci itu',
    ],
    [
      'id',
      'truncated',
      'Rantai hash rusak pada entri #5: entri ini, yang tercatat di luar berkas data sebagai yang terbaru, tidak ada lagi di jejak audit, jadi entri terbaru telah dihapus',
    ],
    [
      'id',
      'key_missing',
      'Rantai hash rusak pada entri #5: entri mulai dari sini disegel dengan kunci audit yang tidak ada lagi di penyimpanan kunci, jadi tidak dapat diverifikasi',
    ],
  ] as const)('translates the %s problem %s in the broken-chain banner', async (language, problem, text) => {
    setCurrentLanguage(language);
    invoke.mockImplementation(
      fakeBackend({
        verify_audit: () => ({ intact: false, checked: 7, brokenSeq: 5, problem }),
        list_audit: () => ({ items: [], next: null }),
      }),
    );
    render(AuditLog);
    const status = await screen.findByTestId('audit-verify-status');
    expect(status.getAttribute('data-intact')).toBe('false');
    expect(status.textContent).toContain(text);
    expect(status.textContent).not.toContain(problem);
  });

  it('falls back to "no further information" without a problem or entry number', async () => {
    invoke.mockImplementation(
      fakeBackend({
        verify_audit: () => ({ intact: false, checked: 7, brokenSeq: null, problem: null }),
        list_audit: () => ({ items: [], next: null }),
      }),
    );
    render(AuditLog);
    const status = await screen.findByTestId('audit-verify-status');
    expect(status.textContent).toContain('Hash chain broken: no further information');
  });
});
