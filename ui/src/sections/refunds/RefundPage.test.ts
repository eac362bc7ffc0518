import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import RefundQueue from './RefundQueue.svelte';
import { app } from '../../lib/session.svelte';
import { freshEachTest, inputsSent, status } from '../../test/fixtures';
import { refundView } from '../../test/payments';
import { answerRefundQueue, RINA, showRefundPage } from '../../test/refunds';
import { formatMoney } from '../../lib/format';
import type { DecideRefundInput, RefundQueueQuery } from '../../lib/ipc/types';

const FINANCE = status('active', { operator: RINA, permissions: ['view_payments', 'approve_refunds', 'view_audit'] });

const withTimeline = refundView(21, {
  idempotencyKey: null,
  timeline: [{ at: '2026-03-04T04:00:00Z', kind: 'refund_requested', actor: 'Siti Rahma', detail: '{"amount":25000}' }],
});

const decisions = () => inputsSent<DecideRefundInput>(invoke, 'decide_refund');

describe('RefundPage', () => {
  freshEachTest(invoke, FINANCE);

  it('shows the refund, its timeline and who asked', async () => {
    showRefundPage(invoke, withTimeline);
    const page = await screen.findByTestId('refund-page');
    await waitFor(() => expect(screen.getByTestId('refund-status').getAttribute('data-status')).toBe('requested'));
    expect(screen.getByTestId('refund-status').textContent).toContain('Awaiting approval');
    expect(screen.getByTestId('refund-requested-by').textContent).toContain('siti');
    const event = within(page).getByTestId('timeline-event');
    expect(within(event).getByTestId('timeline-sentence').textContent).toBe(
      `Siti Rahma requested a refund of ${formatMoney(25000, 'en')}.`,
    );
    expect(event.querySelector('details pre')?.textContent).toBe('{\n  "amount": 25000\n}');
  });

  it('requires the password to approve, and a note to reject', async () => {
    showRefundPage(invoke, withTimeline, {
      decide_refund: (args) => {
        const input = (args as { input: DecideRefundInput }).input;
        return refundView(21, {
          status: input.approve ? 'submitting' : 'rejected',
          decidedBy: 'rina',
          decisionNote: input.note || null,
        });
      },
    });

    await fireEvent.click(await screen.findByTestId('refund-approve'));
    const confirm = screen.getByTestId('refund-decide-confirm') as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('refund-password'), { target: { value: 'correct horse' } });
    expect(confirm.disabled).toBe(false);
    await fireEvent.click(confirm);
    await waitFor(() => expect(screen.getByTestId('refund-status').getAttribute('data-status')).toBe('submitting'));
    expect(decisions()[0]).toEqual({ refundId: 21, approve: true, note: '', password: 'correct horse' });
  });

  it('keeps reject disabled until a note is written', async () => {
    showRefundPage(invoke, withTimeline, {
      decide_refund: () => refundView(21, { status: 'rejected', decidedBy: 'rina', decisionNote: 'Duplicate' }),
    });
    await fireEvent.click(await screen.findByTestId('refund-reject'));
    const confirm = screen.getByTestId('refund-decide-confirm') as HTMLButtonElement;
    await fireEvent.input(screen.getByTestId('refund-password'), { target: { value: 'correct horse' } });
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('refund-note'), { target: { value: '  ' } });
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('refund-note'), { target: { value: 'Duplicate' } });
    expect(confirm.disabled).toBe(false);
    await fireEvent.click(confirm);
    await waitFor(() => expect(screen.getByTestId('refund-status').getAttribute('data-status')).toBe('rejected'));
    expect(decisions()[0]).toMatchObject({ approve: false, note: 'Duplicate' });
  });

  it('says plainly when the password is wrong or the refund is your own', async () => {
    let calls = 0;
    showRefundPage(invoke, withTimeline, {
      decide_refund: () => {
        calls++;
        if (calls === 1) throw { code: 'wrong_password', message: 'wrong password', reason: 'wrong_password' };
        throw { code: 'forbidden', message: 'you requested this refund', reason: 'refund_own_request' };
      },
    });
    await fireEvent.click(await screen.findByTestId('refund-approve'));
    const password = screen.getByTestId('refund-password') as HTMLInputElement;
    await fireEvent.input(password, { target: { value: 'nope nope nope' } });
    await fireEvent.click(screen.getByTestId('refund-decide-confirm'));
    expect((await screen.findByTestId('refund-decide-error')).textContent).toContain('Wrong password.');
    expect(password.value).toBe('');
    await fireEvent.input(password, { target: { value: 'correct horse' } });
    await fireEvent.click(screen.getByTestId('refund-decide-confirm'));
    await waitFor(() =>
      expect(screen.getByTestId('refund-decide-error').textContent).toContain(
        'You requested this refund yourself; another finance operator must approve or reject it.',
      ),
    );
  });

  it('hides approve and reject without approve_refunds', async () => {
    app.status = status('active', { permissions: ['view_payments', 'request_refunds'] });
    showRefundPage(invoke, withTimeline);
    await screen.findByTestId('refund-status');
    expect(screen.queryByTestId('refund-approve')).toBeNull();
    expect(screen.queryByTestId('refund-reject')).toBeNull();
  });
});

describe('RefundQueue', () => {
  freshEachTest(invoke, FINANCE);

  it('lists a tab per state; processing asks for approved, submitting and processing', async () => {
    answerRefundQueue(invoke, { requested: [refundView(21), refundView(20)], processing: [refundView(19, { status: 'processing' })] });
    const onopen = vi.fn();
    render(RefundQueue, { onopen });
    await waitFor(() => expect(screen.getAllByTestId('refund-row')).toHaveLength(2));
    for (const tab of ['requested', 'processing', 'succeeded', 'failed', 'unknown', 'settled_offline', 'rejected']) {
      expect(screen.getByTestId(`refunds-tab-${tab}`)).toBeTruthy();
    }
    await fireEvent.click(screen.getByTestId('refunds-tab-processing'));
    await waitFor(() => expect(screen.getAllByTestId('refund-row')).toHaveLength(1));
    const statuses = inputsSent<RefundQueueQuery>(invoke, 'refund_queue').map((q) => q.status);
    expect(statuses.sort()).toEqual(['approved', 'processing', 'requested', 'submitting']);
    await fireEvent.click(screen.getByTestId('refund-open'));
    expect(onopen).toHaveBeenCalledWith(19);
  });
});
