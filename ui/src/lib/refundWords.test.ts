import { describe, expect, it } from 'vitest';
import { refundWords } from './payments';
import { refundView } from '../test/payments';

describe('refundWords', () => {
  it.each([
    { language: 'en', amount: 'IDR\u00a025,000' },
    { language: 'id', amount: 'Rp\u00a025.000' },
  ] as const)('names a refund by reference, amount in $language and product', ({ language, amount }) => {
    const refund = refundView(21, { amount: 25000, product: 'ovo_snap' });
    expect(refundWords(refund, language)).toEqual({ reference: refund.reference, amount, product: 'OVO SNAP' });
  });
});
