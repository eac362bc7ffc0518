// The date field: typed `dd/mm/yyyy` in both languages, an ISO value bound, and a month grid picker.
import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import DateInput, { monthWeeks, parseDay, shiftMonths, showDay } from './DateInput.svelte';
import { setCurrentLanguage } from '../lib/i18n/i18n.svelte';
import type { LanguageKey } from '../lib/ipc/types';

/** Renders the field with `value` bound: `bound()` reads what the field last wrote. */
function field({ value: initial = '', ...rest }: { value?: string; max?: string; min?: string; hint?: string; invalid?: boolean } = {}) {
  let value = initial;
  const result = render(DateInput, {
    props: {
      id: 'paid-on',
      label: 'Paid on',
      testid: 'paid',
      ...rest,
      get value() {
        return value;
      },
      set value(next: string) {
        value = next;
      },
    },
  });
  const input = screen.getByTestId('paid') as HTMLInputElement;
  return { ...result, input, bound: () => value };
}

async function type(input: HTMLInputElement, text: string) {
  await fireEvent.input(input, { target: { value: text } });
  await fireEvent.change(input);
}

const grid = () => screen.getByRole('grid');
const focusedDay = () => (document.activeElement as HTMLElement).dataset.day;
const key = (k: string, init: KeyboardEventInit = {}) => fireEvent.keyDown(document.activeElement!, { key: k, ...init });

describe('date helpers', () => {
  it('read d/m/yyyy with /, - or . and refuse days that do not exist', () => {
    expect(parseDay('05/03/2026')).toBe('2026-03-05');
    expect(parseDay(' 5/3/2026 ')).toBe('2026-03-05');
    expect(parseDay('05-03-2026')).toBe('2026-03-05');
    expect(parseDay('5.3.2026')).toBe('2026-03-05');
    expect(parseDay('29/02/2028')).toBe('2028-02-29');
    for (const refused of ['31/02/2026', '29/02/2026', '00/03/2026', '05/13/2026', '05/03-2026', '05/03/26', '2026-03-05', 'tomorrow', '']) {
      expect(parseDay(refused), refused).toBeNull();
    }
  });

  it('show ISO days as dd/mm/yyyy and lay months out from Monday', () => {
    expect(showDay('2026-03-05')).toBe('05/03/2026');
    expect(showDay('')).toBe('');
    expect(shiftMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(shiftMonths('2026-03-31', -13)).toBe('2025-02-28');
    // 1 March 2026 is a Sunday: the first week holds six empty days before it.
    const weeks = monthWeeks('2026-03-15');
    expect(weeks[0]).toEqual([null, null, null, null, null, null, '2026-03-01']);
    expect(weeks.at(-1)).toEqual(['2026-03-30', '2026-03-31', null, null, null, null, null]);
  });
});

describe('DateInput', () => {
  beforeEach(() => {
    setCurrentLanguage('en');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-04T18:00:00Z')); // 5 Mar 2026 01:00 WIB
  });
  afterEach(() => vi.useRealTimers());

  it.each<[LanguageKey, string]>([
    ['en', 'dd/mm/yyyy'],
    ['id', 'hh/bb/tttt'],
  ])('in %s: takes dd/mm/yyyy and the other separators, binding the ISO day', async (language, placeholder) => {
    setCurrentLanguage(language);
    const { input, bound } = field();
    expect(screen.getByLabelText('Paid on')).toBe(input);
    expect(input.placeholder).toBe(placeholder);
    await type(input, '05/03/2026');
    expect(bound()).toBe('2026-03-05');
    expect(input.value).toBe('05/03/2026');
    await type(input, '1-2-2026');
    expect(bound()).toBe('2026-02-01');
    expect(input.value).toBe('01/02/2026'); // shown back as dd/mm/yyyy once committed
    await type(input, '28.02.2026');
    expect(bound()).toBe('2026-02-28');
    expect(input.value).toBe('28/02/2026');
    expect(input.getAttribute('aria-invalid')).toBeNull();
    await type(input, '');
    expect(bound()).toBe('');
  });

  it('shows the bound day as dd/mm/yyyy, and again when the caller changes it', async () => {
    const { rerender } = render(DateInput, { id: 'd', label: 'Day', testid: 'd', value: '2026-03-01' });
    const shown = screen.getByTestId('d') as HTMLInputElement;
    expect(shown.value).toBe('01/03/2026');
    await rerender({ value: '2026-02-14' });
    expect(shown.value).toBe('14/02/2026');
    await rerender({ value: '' });
    expect(shown.value).toBe('');
  });

  it.each<[LanguageKey, string]>([
    ['en', 'Enter a date as dd/mm/yyyy, e.g. 05/03/2026 (5/3/2026, 05-03-2026 and 05.03.2026 work too).'],
    ['id', 'Masukkan tanggal sebagai hh/bb/tttt, misalnya 05/03/2026 (5/3/2026, 05-03-2026 dan 05.03.2026 juga bisa).'],
  ])('in %s: refuses a day that does not exist and says what is accepted', async (language, message) => {
    setCurrentLanguage(language);
    const { input, bound } = field({ value: '2026-03-01', hint: 'The WIB day' });
    // While typing, an unfinished date neither changes the value nor scolds.
    await fireEvent.input(input, { target: { value: '31/02/202' } });
    expect(bound()).toBe('2026-03-01');
    expect(screen.queryByTestId('paid-error')).toBeNull();
    await type(input, '31/02/2026');
    expect(input.value).toBe('31/02/2026');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const error = screen.getByTestId('paid-error');
    expect(error.textContent).toBe(message);
    expect(error.getAttribute('role')).toBe('alert');
    expect(input.getAttribute('aria-describedby')).toBe(`paid-on-hint ${error.id}`);
    // Nothing the field does not show is left bound.
    expect(bound()).toBe('');
    await fireEvent.input(input, { target: { value: '28/02/2026' } });
    expect(bound()).toBe('2026-02-28');
    expect(screen.queryByTestId('paid-error')).toBeNull();
    expect(input.getAttribute('aria-invalid')).toBeNull();
    expect(input.getAttribute('aria-describedby')).toBe('paid-on-hint');
  });

  it.each<[LanguageKey, string, string]>([
    ['en', 'Enter a date no later than 05/03/2026.', 'Enter a date no earlier than 01/02/2026.'],
    ['id', 'Masukkan tanggal 05/03/2026 atau sebelumnya.', 'Masukkan tanggal 01/02/2026 atau sesudahnya.'],
  ])('in %s: refuses a day after max or before min', async (language, late, early) => {
    setCurrentLanguage(language);
    const { input, bound } = field({ max: '2026-03-05', min: '2026-02-01' });
    await type(input, '06/03/2026');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('paid-error').textContent).toBe(late);
    expect(bound()).toBe('');
    await type(input, '31/01/2026');
    expect(screen.getByTestId('paid-error').textContent).toBe(early);
    await type(input, '05/03/2026');
    expect(bound()).toBe('2026-03-05');
    expect(screen.queryByTestId('paid-error')).toBeNull();
  });

  it('is marked invalid when the caller refuses it, e.g. an inverted range', async () => {
    const { input, rerender } = field({ value: '2026-03-01' });
    expect(input.getAttribute('aria-invalid')).toBeNull();
    await rerender({ invalid: true });
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });

  it.each<[LanguageKey, string, string[], RegExp]>([
    ['en', 'March 2026', ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], /^Thursday,? 5 March 2026$/],
    ['id', 'Maret 2026', ['Sen', 'Sel', 'Rab', 'Kam', 'Jum', 'Sab', 'Min'], /^Kamis,? 5 Maret 2026$/],
  ])('in %s: opens a month grid in the language, weeks from Monday, today marked', async (language, month, days, today) => {
    setCurrentLanguage(language);
    field();
    const button = screen.getByTestId('paid-calendar');
    expect(button.getAttribute('aria-label')).toBe(language === 'en' ? 'Choose a date: Paid on' : 'Pilih tanggal: Paid on');
    expect(button.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const picker = screen.getByRole('dialog');
    expect(picker.getAttribute('aria-modal')).toBe('true');
    expect(screen.getByTestId('paid-month').textContent?.trim()).toBe(month);
    expect(screen.getAllByRole('columnheader').map((th) => th.textContent)).toEqual(days);
    // Today (WIB) is marked and has the focus.
    const current = grid().querySelector('[aria-current="date"]') as HTMLElement;
    expect(current.dataset.day).toBe('2026-03-05');
    expect(current.getAttribute('aria-label')?.replace(/\u00a0/g, ' ')).toMatch(today);
    expect(document.activeElement).toBe(current);
    expect(screen.getAllByRole('gridcell').filter((c) => c.textContent?.trim()).length).toBe(31);
  });

  it('moves by day, week and month with the keyboard and picks with Enter', async () => {
    const { input, bound } = field({ value: '2026-03-10' });
    await fireEvent.click(screen.getByTestId('paid-calendar'));
    expect(focusedDay()).toBe('2026-03-10');
    expect(grid().querySelector('[aria-selected="true"]')?.getAttribute('data-day')).toBe('2026-03-10');
    await key('ArrowRight');
    expect(focusedDay()).toBe('2026-03-11');
    await key('ArrowDown');
    expect(focusedDay()).toBe('2026-03-18');
    await key('ArrowLeft');
    expect(focusedDay()).toBe('2026-03-17');
    await key('ArrowUp');
    expect(focusedDay()).toBe('2026-03-10');
    await key('Home');
    expect(focusedDay()).toBe('2026-03-09'); // Monday
    await key('End');
    expect(focusedDay()).toBe('2026-03-15'); // Sunday
    await key('PageUp');
    expect(focusedDay()).toBe('2026-02-15');
    expect(screen.getByTestId('paid-month').textContent?.trim()).toBe('February 2026');
    await key('PageDown');
    await key('PageDown');
    expect(focusedDay()).toBe('2026-04-15');
    await key('PageUp', { shiftKey: true });
    expect(focusedDay()).toBe('2025-04-15');
    // Only the focused day is a tab stop.
    expect(grid().querySelectorAll('[tabindex="0"]')).toHaveLength(1);
    await key('Enter');
    expect(bound()).toBe('2025-04-15');
    expect(input.value).toBe('15/04/2025');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('paid-calendar'));
  });

  it('picks a day with a click, and the month buttons page through', async () => {
    const { input, bound } = field({ value: '2026-01-31' });
    await fireEvent.click(screen.getByTestId('paid-calendar'));
    await fireEvent.click(screen.getByTestId('paid-next-month'));
    expect(screen.getByTestId('paid-month').textContent?.trim()).toBe('February 2026');
    await fireEvent.click(screen.getByTestId('paid-previous-month'));
    await fireEvent.click(screen.getByTestId('paid-previous-month'));
    expect(screen.getByTestId('paid-month').textContent?.trim()).toBe('December 2025');
    await fireEvent.click(grid().querySelector('[data-day="2025-12-24"]')!);
    expect(bound()).toBe('2025-12-24');
    expect(input.value).toBe('24/12/2025');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('offers nothing after max: later days cannot be picked and the keys stop there', async () => {
    const { bound } = field({ value: '2026-03-02', max: '2026-03-05' });
    await fireEvent.click(screen.getByTestId('paid-calendar'));
    expect((screen.getByTestId('paid-next-month') as HTMLButtonElement).disabled).toBe(true);
    const late = grid().querySelector('[data-day="2026-03-06"]') as HTMLElement;
    expect(late.getAttribute('aria-disabled')).toBe('true');
    expect(grid().querySelector('[data-day="2026-03-05"]')?.getAttribute('aria-disabled')).toBeNull();
    await fireEvent.click(late);
    expect(bound()).toBe('2026-03-02');
    expect(screen.getByRole('dialog')).toBeTruthy();
    (grid().querySelector('[tabindex="0"]') as HTMLElement).focus();
    await key('ArrowDown');
    expect(focusedDay()).toBe('2026-03-05');
    await key('PageDown');
    expect(focusedDay()).toBe('2026-03-05');
    await key('Enter');
    expect(bound()).toBe('2026-03-05');
  });

  it('closes on Escape without closing what is around it, and gives the focus back to the button', async () => {
    const outer = vi.fn();
    document.addEventListener('keydown', outer);
    try {
      const { bound } = field({ value: '2026-03-02' });
      const button = screen.getByTestId('paid-calendar');
      await fireEvent.click(button);
      await key('ArrowRight');
      await key('Escape');
      expect(screen.queryByRole('dialog')).toBeNull();
      expect(document.activeElement).toBe(button);
      expect(button.getAttribute('aria-expanded')).toBe('false');
      expect(bound()).toBe('2026-03-02');
      expect(outer).not.toHaveBeenCalledWith(expect.objectContaining({ key: 'Escape' }));
    } finally {
      document.removeEventListener('keydown', outer);
    }
  });

  it('keeps Tab inside the open grid and closes when the operator clicks elsewhere', async () => {
    field({ value: '2026-03-02' });
    await fireEvent.click(screen.getByTestId('paid-calendar'));
    const day = document.activeElement;
    expect(focusedDay()).toBe('2026-03-02');
    await key('Tab');
    expect(document.activeElement).toBe(screen.getByTestId('paid-previous-month'));
    await key('Tab', { shiftKey: true });
    expect(document.activeElement).toBe(day);
    await key('Tab', { shiftKey: true });
    expect(document.activeElement).toBe(screen.getByTestId('paid-next-month'));
    await fireEvent.pointerDown(document.body);
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
