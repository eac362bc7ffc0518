// A long list fetched page by page with a keyset cursor, held a window at a time: the pages near the view keep
// their rows; a page further away lets them go and keeps its place, its length and the cursor to fetch it
// again. Scrolled through 100,000 rows, the list holds a few pages of them, not all.

import type { Page } from './ipc/types';

/** The list's order as its cursors tell it. */
export interface ListOrder<T, C> {
  cursorOf(row: T): C;
  /** `a` comes after `b` in the list. */
  older(a: C, b: C): boolean;
}

/** One fetched page's place in the list: its rows are the `count` rows after `after` (the top when null). */
interface Stretch<C> {
  start: number;
  count: number;
  after: C | null;
  held: boolean;
}

/** A page to fetch again: where it goes, its cursor and its length. */
export interface Gap<C> {
  index: number;
  after: C | null;
  count: number;
}

/** Rows from `first` up to (not including) `last`. */
export interface RowRange {
  first: number;
  last: number;
}

export class PageWindow<T extends { id: number }, C> {
  /** Every row's place in the list; `undefined` where a page let its rows go. */
  rows: readonly (T | undefined)[] = [];
  /** The cursor after the last row; null at the end of the list. */
  next: C | null = null;
  private stretches: Stretch<C>[] = [];

  /** `keep`: pages that hold their rows at most (besides those in view). */
  constructor(
    private readonly order: ListOrder<T, C>,
    private readonly keep: number,
  ) {}

  /** How many pages hold their rows. */
  get heldPages(): number {
    return this.stretches.filter((s) => s.held).length;
  }

  /** The first page holds its rows (the view is near the top). */
  get topHeld(): boolean {
    return this.stretches[0]?.held ?? false;
  }

  /** A fresh start: the first page alone. */
  start(page: Page<T, C>): void {
    this.rows = page.items.slice();
    this.stretches = [{ start: 0, count: page.items.length, after: null, held: true }];
    this.next = page.next;
  }

  /** The page after the last one, fetched `after` the cursor that was `next`. */
  append(after: C, page: Page<T, C>, view: RowRange): void {
    // A keyset page never repeats a row; this guards the list's keys all the same.
    const seen = new Set(this.rows.flatMap((row) => (row ? [row.id] : [])));
    const items = page.items.filter((row) => !seen.has(row.id));
    this.stretches.push({ start: this.rows.length, count: items.length, after, held: true });
    this.rows = this.rows.concat(items);
    this.next = page.next;
    this.letGo(view);
  }

  /** The first page in `view` that let its rows go, to fetch again. */
  missing(view: RowRange): Gap<C> | null {
    const index = this.stretches.findIndex(
      (s) => !s.held && s.start < view.last && s.start + s.count > view.first,
    );
    if (index < 0) return null;
    const { after, count } = this.stretches[index];
    return { index, after, count };
  }

  /**
   * A page fetched again into its place. When it no longer ends where the page after it starts (payments came,
   * went or changed status there meanwhile), the list ends with it and goes on from its `next`: the rows below
   * are fetched again as the view reaches them.
   */
  refill(gap: Gap<C>, page: Page<T, C>, view: RowRange): void {
    const stretch = this.stretches[gap.index];
    if (!stretch || stretch.held || stretch.after !== gap.after) return;
    const following = this.stretches[gap.index + 1];
    const endedAt = following ? following.after : this.next;
    const last = page.items.at(-1);
    const fits =
      page.items.length === stretch.count &&
      (endedAt === null
        ? page.next === null
        : last !== undefined && this.same(this.order.cursorOf(last), endedAt));
    if (fits) {
      const rows = this.rows.slice();
      page.items.forEach((row, i) => (rows[stretch.start + i] = row));
      this.rows = rows;
      stretch.held = true;
    } else {
      this.rows = this.rows.slice(0, stretch.start).concat(page.items);
      this.stretches = this.stretches.slice(0, gap.index);
      this.stretches.push({ ...stretch, count: page.items.length, held: true });
      this.next = page.next;
    }
    this.letGo(view);
  }

  /**
   * The first page fetched again (another desk took or changed payments): it takes the place of the rows it
   * covers, the rows below stay, and the list goes on from whichever reaches further. When it does not reach
   * the rows shown, or reaches rows let go, the list starts again from it. With the top let go nothing changes
   * now: the top is fetched again, and checked, when the view comes back to it.
   */
  refreshFirst(first: Page<T, C>, view: RowRange): void {
    if (!this.topHeld) return;
    const end = first.next;
    // The whole list fits in the page.
    if (end === null) return this.start(first);
    let covered = 0;
    for (; covered < this.rows.length; covered++) {
      const row = this.rows[covered];
      if (row === undefined) return this.start(first);
      if (this.order.older(this.order.cursorOf(row), end)) break;
    }
    // More new payments than a page: what lies between the page and the rows shown is unknown.
    if (covered === 0 && this.rows.length > 0) return this.start(first);
    const shift = first.items.length - covered;
    const stretches: Stretch<C>[] = [{ start: 0, count: first.items.length, after: null, held: true }];
    for (const s of this.stretches) {
      const stretchEnd = s.start + s.count;
      if (stretchEnd <= covered) continue;
      stretches.push(
        s.start < covered
          ? { start: first.items.length, count: stretchEnd - covered, after: end, held: true }
          : { ...s, start: s.start + shift },
      );
    }
    this.stretches = stretches;
    const head: (T | undefined)[] = first.items.slice();
    this.rows = head.concat(this.rows.slice(covered));
    // Everything shown was the whole list (nothing more to fetch), or the page reaches past what was shown.
    if (this.next !== null && !this.order.older(this.next, end)) this.next = end;
    this.letGo(view);
  }

  /** Lets the pages furthest from the view go until `keep` hold their rows; never one in view. */
  private letGo(view: RowRange): void {
    const inView = (s: Stretch<C>) => s.start < view.last && s.start + s.count > view.first;
    const distance = (s: Stretch<C>) =>
      s.start >= view.last ? s.start - view.last : view.first - (s.start + s.count);
    const away = this.stretches
      .filter((s) => s.held && !inView(s))
      .sort((a, b) => distance(b) - distance(a));
    let excess = this.heldPages - this.keep;
    if (excess <= 0 || away.length === 0) return;
    const rows = this.rows.slice();
    for (const s of away) {
      if (excess-- <= 0) break;
      rows.fill(undefined, s.start, s.start + s.count);
      s.held = false;
    }
    this.rows = rows;
  }

  private same(a: C, b: C): boolean {
    return !this.order.older(a, b) && !this.order.older(b, a);
  }
}
