import { describe, expect, it } from 'vitest';
import { en } from './i18n/en';
import {
  actionGroup,
  auditRangeInvalid,
  buildAuditFilters,
  emptyAuditFilters,
  exportFileName,
  exportPercent,
  groupActions,
  paymentsExport,
} from './exports';
import { emptyFilters } from './payments';

describe('exports', () => {
  it('names the file after the list and the WIB date', () => {
    expect(exportFileName('pembayaran', new Date('2026-03-05T16:59:59Z'))).toBe('pembayaran-2026-03-05');
    expect(exportFileName('pembayaran', new Date('2026-03-05T17:00:00Z'))).toBe('pembayaran-2026-03-06');
  });

  it('counts the share written', () => {
    expect(exportPercent({ rowsWritten: 250, rowsTotal: 1000, state: 'running' })).toBe(25);
    expect(exportPercent({ rowsWritten: 0, rowsTotal: 0, state: 'running' })).toBe(0);
    expect(exportPercent({ rowsWritten: 0, rowsTotal: 0, state: 'finished' })).toBe(100);
  });

  it('groups the known actions; refund. is not refund_policy.', () => {
    expect(actionGroup('refund.approve')).toBe('refund');
    expect(actionGroup('refund_policy.set')).toBe('refund_policy');
    expect(actionGroup('setup.first_admin')).toBeNull();
    const { groups, other } = groupActions(Object.keys(en));
    const refund = groups.find((g) => g.group === 'refund')!;
    expect(refund.actions).toContain('refund.approve');
    expect(refund.actions).not.toContain('refund_policy.set');
    expect(groups.find((g) => g.group === 'export')!.actions).toEqual(['export.written']);
    expect(other).toContain('setup.first_admin');
    expect(groups.every((g) => g.actions.length > 0)).toBe(true);
  });

  it('builds the audit filters: empty is any', () => {
    expect(buildAuditFilters(emptyAuditFilters())).toEqual({
      operatorId: null,
      action: null,
      subject: null,
      from: null,
      to: null,
    });
    const fields = { operatorId: '4', action: 'refund.', subject: ' refund:1 ', from: '2026-03-02', to: '2026-03-01' };
    expect(buildAuditFilters(fields)).toEqual({
      operatorId: 4,
      action: 'refund.',
      subject: 'refund:1',
      from: '2026-03-02',
      to: '2026-03-01',
    });
    expect(auditRangeInvalid(fields)).toBe(true);
  });

  it('exports the payments list with the query filters', () => {
    expect(paymentsExport({ ...emptyFilters(), product: 'ovo_snap', reference: ' PAY-1 ' })).toEqual({
      list: 'payments',
      product: 'ovo_snap',
      status: null,
      from: null,
      to: null,
      minAmount: null,
      maxAmount: null,
      reference: 'PAY-1',
    });
  });
});
