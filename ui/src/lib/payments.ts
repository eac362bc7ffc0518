// Payments and refunds desk helpers: the list's query, permission checks, the refund queue's tabs, the push
// countdown. Pure functions, so they are tested without a DOM.

import type {
  Bilingual,
  LanguageKey,
  PaymentCursorView,
  PaymentQuery,
  PaymentRowView,
  Permission,
  ProductKey,
  Page,
  RefundQueueQuery,
  RefundView,
} from './ipc/types';
import { productName } from './customers';
import { formatMoney } from './format';
import type { ListOrder } from './pageWindow';

/** Rows per `payments_page` call (the back end accepts 1..=200). */
export const PAYMENT_PAGE_SIZE = 100;
/** Pages of the payment list that hold their rows at most, besides those in view. */
export const PAYMENT_PAGES_HELD = 10;
/** Rows per `refund_queue` call. */
export const REFUND_PAGE_SIZE = 50;
/** How often a payment still in flight is checked while its page or the live dialog is open. */
export const PAYMENT_POLL_MS = 2000;
/** How often the refund queue's open tabs refresh themselves. */
export const REFUND_QUEUE_POLL_MS = 10_000;
/** A push payment's hold at the provider. */
export const PUSH_HOLD_SECONDS = 70;
/** How long the refund preview waits after the last keystroke. */
export const PREVIEW_DELAY_MS = 250;
/** How long the reference filter waits after the last keystroke. */
export const FILTER_DELAY_MS = 300;

export const PAYMENT_STATUSES = [
  'created',
  'pending',
  'succeeded',
  'failed',
  'unknown',
  'expired',
  'cancelled',
  'needs_review',
] as const;

export const PAYMENT_KINDS = ['push', 'sale_redirect', 'recurring', 'payin', 'tokenized', 'direct_debit'] as const;
export const PAYMENT_SOURCES = ['cash', 'points', 'points_first'] as const;

export const REFUND_STATUSES = [
  'requested',
  'approved',
  'rejected',
  'submitting',
  'processing',
  'succeeded',
  'failed',
  'unknown',
  'settled_offline',
  'awaiting_transfer',
  'needs_review',
] as const;

/** No further provider answer can change the payment (as the domain's `PaymentStatus::is_final`). */
export function isFinalPayment(status: string): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'expired' || status === 'cancelled';
}

/** Still worth polling: the provider may yet answer. */
export function isOpenPayment(status: string): boolean {
  return status === 'created' || status === 'pending' || status === 'unknown';
}

export type PaymentFilters = {
  product: ProductKey | '';
  status: string;
  /** `YYYY-MM-DD` from a date input, WIB. */
  from: string;
  to: string;
  /** As typed; the back end parses money. */
  minAmount: string;
  maxAmount: string;
  reference: string;
};

export function emptyFilters(): PaymentFilters {
  return { product: '', status: '', from: '', to: '', minAmount: '', maxAmount: '', reference: '' };
}

const orNull = (value: string): string | null => {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
};

/** The `payments_page` query for these filters: empty fields are "any", amounts are sent as typed. */
export function buildPaymentQuery(
  filters: PaymentFilters,
  after: PaymentCursorView | null = null,
  limit: number = PAYMENT_PAGE_SIZE,
): PaymentQuery {
  return {
    product: filters.product === '' ? null : filters.product,
    status: orNull(filters.status),
    from: orNull(filters.from),
    to: orNull(filters.to),
    minAmount: orNull(filters.minAmount),
    maxAmount: orNull(filters.maxAmount),
    reference: orNull(filters.reference),
    after,
    limit,
  };
}

/** A key that changes when (and only when) the query's filters change. */
export function filtersKey(filters: PaymentFilters): string {
  return JSON.stringify(buildPaymentQuery(filters));
}

/** The list's order, newest first: `a` is after `b` in the list (older). */
function olderCursor(a: PaymentCursorView, b: PaymentCursorView): boolean {
  return a.createdAtMs < b.createdAtMs || (a.createdAtMs === b.createdAtMs && a.id < b.id);
}

function cursorOf(row: PaymentRowView): PaymentCursorView {
  return { createdAtMs: Date.parse(row.createdAt), id: row.id };
}

/** The payment list's order, newest first, as its keyset cursor tells it. */
export const PAYMENT_ORDER: ListOrder<PaymentRowView, PaymentCursorView> = { cursorOf, older: olderCursor };

/** The start date is after the end date. */
export function rangeInvalid(filters: PaymentFilters): boolean {
  return filters.from !== '' && filters.to !== '' && filters.from > filters.to;
}

export function canTakePayments(permissions: readonly Permission[]): boolean {
  return permissions.includes('take_payments');
}

export function canRequestRefunds(permissions: readonly Permission[]): boolean {
  return permissions.includes('request_refunds');
}

export function canApproveRefunds(permissions: readonly Permission[]): boolean {
  return permissions.includes('approve_refunds');
}

/** Records offline transfers and decides by hand what the provider could not (finance). */
export function canResolveByHand(permissions: readonly Permission[]): boolean {
  return permissions.includes('resolve_by_hand');
}

/** Today's WIB (UTC+7, no DST) calendar date as a date input's value, `YYYY-MM-DD`. */
export function wibToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

/** A text from the back end's domain rules, in the current language. */
export function bilingual(text: Bilingual | null, language: LanguageKey): string {
  if (!text) return '';
  return language === 'id' ? text.id : text.en;
}

/** Seconds left until `deadline` (rounded up, never negative); null when there is no deadline. */
export function remainingSeconds(deadline: string | null, now: number = Date.now()): number | null {
  if (!deadline) return null;
  const end = Date.parse(deadline);
  if (Number.isNaN(end)) return null;
  return Math.max(0, Math.ceil((end - now) / 1000));
}

/** The length of a push hold in whole seconds, from its start to its deadline; null when unreadable. */
export function holdSeconds(startedAt: string, deadline: string): number | null {
  const total = Math.round((Date.parse(deadline) - Date.parse(startedAt)) / 1000);
  return Number.isFinite(total) && total > 0 ? total : null;
}

/** The share of the push hold that is left, 0..100. */
export function remainingPercent(seconds: number, total: number = PUSH_HOLD_SECONDS): number {
  if (total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.round((seconds / total) * 100)));
}

// The refund queue: one tab can cover several states ("processing" = approved, submitting, processing).

export type RefundTab =
  | 'requested'
  | 'processing'
  | 'awaiting_transfer'
  | 'needs_review'
  | 'succeeded'
  | 'failed'
  | 'unknown'
  | 'settled_offline'
  | 'rejected';

export const REFUND_TABS: ReadonlyArray<{ tab: RefundTab; statuses: readonly string[] }> = [
  { tab: 'requested', statuses: ['requested'] },
  { tab: 'processing', statuses: ['approved', 'submitting', 'processing'] },
  { tab: 'awaiting_transfer', statuses: ['awaiting_transfer'] },
  { tab: 'needs_review', statuses: ['needs_review'] },
  { tab: 'succeeded', statuses: ['succeeded'] },
  { tab: 'failed', statuses: ['failed'] },
  { tab: 'unknown', statuses: ['unknown'] },
  { tab: 'settled_offline', statuses: ['settled_offline'] },
  { tab: 'rejected', statuses: ['rejected'] },
];

export function tabStatuses(tab: RefundTab): readonly string[] {
  return REFUND_TABS.find((x) => x.tab === tab)?.statuses ?? [tab];
}

/** Newest request first, as each queue is ordered (`requested_at DESC, id DESC`). */
function newerFirst(a: RefundView, b: RefundView): number {
  const at = Date.parse(b.requestedAt) - Date.parse(a.requestedAt);
  return at !== 0 ? at : b.id - a.id;
}

/**
 * Pages through one tab whose states each have their own keyset queue: every state keeps its cursor and a
 * buffer; a page is the newest `limit` rows across the buffers, so merged paging never skips or repeats.
 */
export function createRefundPager(
  statuses: readonly string[],
  fetch: (query: RefundQueueQuery) => Promise<Page<RefundView, number>>,
  limit: number = REFUND_PAGE_SIZE,
) {
  type Lane = { status: string; buffer: RefundView[]; after: number | null; done: boolean };
  const lanes: Lane[] = statuses.map((status) => ({ status, buffer: [], after: null, done: false }));

  async function fill(lane: Lane) {
    if (lane.done || lane.buffer.length >= limit) return;
    const page = await fetch({ status: lane.status, afterId: lane.after, limit });
    lane.buffer.push(...page.items);
    lane.after = page.next;
    lane.done = page.next === null;
  }

  return {
    /** The next rows in queue order; `more` is false once every state is exhausted. */
    async next(): Promise<{ rows: RefundView[]; more: boolean }> {
      await Promise.all(lanes.map(fill));
      const rows: RefundView[] = [];
      while (rows.length < limit) {
        let best: Lane | null = null;
        for (const lane of lanes) {
          const head = lane.buffer[0];
          if (!head) continue;
          // A lane with nothing buffered but more to fetch could hold a newer row: stop at its boundary.
          if (!best || newerFirst(head, best.buffer[0]) < 0) best = lane;
        }
        if (!best) break;
        const blocked = lanes.some((l) => l !== best && l.buffer.length === 0 && !l.done);
        if (blocked) break;
        rows.push(best.buffer.shift()!);
      }
      const more = lanes.some((l) => l.buffer.length > 0 || !l.done);
      return { rows, more };
    },
  };
}

/** What a refund's dialogs name it by: its reference, its amount in `language` and its product. */
export function refundWords(refund: RefundView, language: LanguageKey): { reference: string; amount: string; product: string } {
  return { reference: refund.reference, amount: formatMoney(refund.amount, language), product: productName(refund.product) };
}
