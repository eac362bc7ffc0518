import { describe, expect, it } from 'vitest';
import { PageWindow, type RowRange } from './pageWindow';
import { PAYMENT_ORDER } from './payments';
import { paymentRow } from '../test/payments';
import type { PaymentCursorView, PaymentRowView } from './ipc/types';

const cursor = (id: number): PaymentCursorView => ({ createdAtMs: Date.parse(paymentRow(id).createdAt), id });
/** Payments `from` down to `to`, newest first. */
const range = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => paymentRow(from - i));
/** The ids in place, `null` where a page let its rows go. */
const ids = (rows: readonly (PaymentRowView | undefined)[]) => Array.from(rows, (r) => r?.id ?? null);
const top: RowRange = { first: 0, last: 3 };

/** A list of payments `from` down to 1 in pages of `size`, holding `keep` pages, its first page fetched. */
function started(from: number, size: number, keep = 100) {
  const list = new PageWindow<PaymentRowView, PaymentCursorView>(PAYMENT_ORDER, keep);
  list.start({ items: range(from, Math.max(1, from - size + 1)), next: from > size ? cursor(from - size + 1) : null });
  return list;
}

/** Appends the page after the last, as the server answers it for payments `next.id - 1` down to 1. */
function appendPage(list: PageWindow<PaymentRowView, PaymentCursorView>, size: number, view: RowRange) {
  const after = list.next!;
  const last = Math.max(1, after.id - size);
  list.append(after, { items: range(after.id - 1, last), next: last > 1 ? cursor(last) : null }, view);
}

describe('PageWindow: the first page fetched again', () => {
  it('puts the fresh page in place of the rows it covers and keeps the rows below', () => {
    // Shown: 10..6 paged 5 at a time (the cursor after 6); payments 11 and 12 came, 9 changed.
    const list = started(10, 5);
    list.refreshFirst({ items: [...range(12, 10), paymentRow(9, { status: 'failed' }), paymentRow(8)], next: cursor(8) }, top);
    expect(ids(list.rows)).toEqual([12, 11, 10, 9, 8, 7, 6]);
    expect(list.rows[3]?.status).toBe('failed');
    expect(list.next).toEqual(cursor(6));
  });

  it('drops a row that no longer answers the filters, and takes the whole list when it fits', () => {
    const list = started(5, 10);
    list.refreshFirst({ items: [paymentRow(5), ...range(3, 1)], next: null }, top);
    expect(ids(list.rows)).toEqual([5, 3, 2, 1]);
    expect(list.next).toBeNull();
  });

  it('starts again from the page when more payments came than a page holds', () => {
    const list = started(10, 5);
    list.refreshFirst({ items: range(20, 16), next: cursor(16) }, top);
    expect(ids(list.rows)).toEqual([20, 19, 18, 17, 16]);
    expect(list.next).toEqual(cursor(16));
  });

  it('keeps a whole list whole, and reaches as far as the fresh page when it goes further', () => {
    const whole = started(3, 5);
    whole.refreshFirst({ items: range(5, 3), next: cursor(3) }, top);
    expect(whole.rows).toEqual(range(5, 1));
    expect(whole.next).toBeNull();
    const further = started(10, 2);
    further.refreshFirst({ items: range(8, 6), next: cursor(6) }, top);
    expect(ids(further.rows)).toEqual([8, 7, 6]);
    expect(further.next).toEqual(cursor(6));
  });

  it('moves the pages below by the rows that came, so each is fetched again where it now lies', () => {
    // 30..1 in pages of 10, the last two let go; then 31 and 32 came.
    const list = started(30, 10, 1);
    appendPage(list, 10, top);
    appendPage(list, 10, top);
    expect(ids(list.rows)).toEqual([...range(30, 21).map((r) => r.id), ...Array(20).fill(null)]);
    list.refreshFirst({ items: range(32, 23), next: cursor(23) }, top);
    expect(list.rows.length).toBe(32);
    expect(ids(list.rows).slice(0, 10)).toEqual(range(32, 23).map((r) => r.id));
    // What is left of the old first page (22, 21) follows the fresh one, and was let go as the one page too many.
    expect(list.missing({ first: 10, last: 11 })).toEqual({ index: 1, after: cursor(23), count: 2 });
    expect(list.missing({ first: 12, last: 14 })).toEqual({ index: 2, after: cursor(21), count: 10 });
    expect(list.missing({ first: 31, last: 32 })).toEqual({ index: 3, after: cursor(11), count: 10 });
  });

  it('changes nothing while the top is let go: the top is checked when the view comes back to it', () => {
    const list = started(30, 10, 1);
    const deep = { first: 25, last: 28 };
    appendPage(list, 10, deep);
    appendPage(list, 10, deep);
    expect(list.topHeld).toBe(false);
    const before = list.rows;
    list.refreshFirst({ items: range(32, 23), next: cursor(23) }, deep);
    expect(list.rows).toBe(before);
  });

  it('starts again from the page when it reaches rows that were let go', () => {
    const list = started(30, 10, 1);
    appendPage(list, 10, top);
    expect(ids(list.rows).slice(10)).toEqual(Array(10).fill(null));
    // 10 new payments and a page of 21: it covers every row held and reaches into the page let go.
    list.refreshFirst({ items: range(40, 20), next: cursor(20) }, top);
    expect(ids(list.rows)).toEqual(range(40, 20).map((r) => r.id));
    expect(list.next).toEqual(cursor(20));
  });
});

describe('PageWindow: a window of pages', () => {
  it('holds at most `keep` pages besides those in view, letting the furthest go', () => {
    const list = started(1000, 100, 3);
    for (let page = 1; page < 10; page++) appendPage(list, 100, { first: page * 100, last: page * 100 + 20 });
    expect(list.rows.length).toBe(1000);
    expect(list.heldPages).toBe(3);
    // The three nearest the view (the last pages) hold their rows.
    expect(ids(list.rows).slice(700)).toEqual(range(300, 1).map((r) => r.id));
    expect(ids(list.rows).slice(0, 700).every((id) => id === null)).toBe(true);
  });

  it('never lets a page in view go', () => {
    const list = started(300, 100, 0);
    appendPage(list, 100, { first: 90, last: 110 });
    expect(ids(list.rows).slice(90, 110)).toEqual(range(210, 191).map((r) => r.id));
    expect(list.heldPages).toBe(2);
  });

  it('fetches a page scrolled back to with its own cursor and length, and puts it in place', () => {
    const list = started(300, 100, 1);
    appendPage(list, 100, { first: 100, last: 120 });
    appendPage(list, 100, { first: 200, last: 220 });
    const view = { first: 95, last: 105 };
    // Page 0 is let go; page 1 (ids 200..101) too, as page 2 came in view.
    expect(list.missing(view)).toEqual({ index: 0, after: null, count: 100 });
    list.refill({ index: 0, after: null, count: 100 }, { items: range(300, 201), next: cursor(201) }, view);
    const gap = list.missing(view);
    expect(gap).toEqual({ index: 1, after: cursor(201), count: 100 });
    list.refill(gap!, { items: range(200, 101), next: cursor(101) }, view);
    expect(list.missing(view)).toBeNull();
    expect(ids(list.rows).slice(95, 105)).toEqual(range(205, 196).map((r) => r.id));
    expect(list.rows.length).toBe(300);
    expect(list.next).toBeNull();
  });

  it('ends the list at a page fetched again that no longer ends where the next one starts', () => {
    const list = started(300, 100, 1);
    appendPage(list, 100, { first: 150, last: 160 });
    appendPage(list, 100, { first: 250, last: 260 });
    const view = { first: 40, last: 50 };
    // Meanwhile payment 250 left the filter: page 0 now reaches one row further.
    const items = range(300, 200).filter((r) => r.id !== 250);
    list.refill({ index: 0, after: null, count: 100 }, { items, next: cursor(200) }, view);
    expect(list.rows.length).toBe(100);
    expect(ids(list.rows).at(-1)).toBe(200);
    expect(list.next).toEqual(cursor(200));
    expect(list.missing({ first: 0, last: 100 })).toBeNull();
  });

  it('drops an answer for a page whose place changed meanwhile', () => {
    const list = started(300, 100, 1);
    appendPage(list, 100, { first: 150, last: 160 });
    appendPage(list, 100, { first: 250, last: 260 });
    const gap = list.missing({ first: 120, last: 130 })!;
    expect(gap.index).toBe(1);
    list.start({ items: range(300, 201), next: cursor(201) });
    list.refill(gap, { items: range(200, 101), next: cursor(101) }, { first: 0, last: 10 });
    expect(list.rows.length).toBe(100);
  });
});
