import { describe, expect, it } from 'vitest';
import { formatBasisPoints, shortDay } from './dashboard';

describe('formatBasisPoints', () => {
  it('writes two decimals in each language, without floats', () => {
    expect(formatBasisPoints(2_000, 'en')).toBe('20.00%');
    expect(formatBasisPoints(2_000, 'id')).toBe('20,00 %');
    expect(formatBasisPoints(1_578, 'en')).toBe('15.78%');
    expect(formatBasisPoints(5, 'id')).toBe('0,05 %');
    expect(formatBasisPoints(10_000, 'en')).toBe('100.00%');
  });

  it('shows a dash when nothing succeeded', () => {
    expect(formatBasisPoints(null, 'en')).toBe('—');
  });
});

describe('shortDay', () => {
  it('writes the day without a leading zero and the month in the language', () => {
    expect(shortDay('2026-03-05', 'en')).toBe('5 Mar');
    expect(shortDay('2026-08-17', 'id')).toBe('17 Agu');
  });
});
