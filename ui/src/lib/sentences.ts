// Timeline events and audit entries as one sentence in the operator's language. Each kind (action) has a
// small reader of its detail (a JSON string written by the Rust side, read defensively: a missing, null or
// mistyped field only leaves its clause out) and a sentence made of dictionary entries (`sentence.*`).

import type { AuditEntryView, LanguageKey, ProductKey, TimelineEventView } from './ipc/types';
import { dictionaries, interpolate, isMessageKey, translateDynamic, LANGUAGE_NAMES, type MessageKey } from './i18n/translate';
import { formatCount, formatMoney, formatWib, wibParts } from './format';
import { PRODUCT_NAMES } from './customers';

type Json = Record<string, unknown>;
type Params = Record<string, string | number>;

/** The detail as an object; anything else ('', 'null', not JSON, an array) reads as empty. */
export function parseDetail(detail: string): Json {
  if (!detail) return {};
  try {
    const value: unknown = JSON.parse(detail);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
  } catch {
    return {};
  }
}

/** The detail pretty-printed for the raw disclosure, or null when there is nothing to show. */
export function rawDetail(detail: string): string | null {
  const text = detail.trim();
  if (text === '' || text === '{}' || text === 'null') return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// Field readers: a value of the wrong type is absent.
const str = (d: Json, k: string): string | null => {
  const v = d[k];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
};
const num = (d: Json, k: string): number | null => {
  const v = d[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const bool = (d: Json, k: string): boolean | null => (typeof d[k] === 'boolean' ? (d[k] as boolean) : null);
const obj = (d: Json, k: string): Json | null => {
  const v = d[k];
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
};
/** A string or a number (ids, counts sent either way). */
const text = (d: Json, k: string): string | null => str(d, k) ?? (num(d, k) === null ? null : String(num(d, k)));

/** What a provider said went wrong: its code and message, from any of the shapes details carry. */
export interface ProviderProblem {
  code: string | null;
  message: string | null;
}

/** `problem` as `{code, message}` (refunds), a StoredProblem `{kind, provider_code, detail}` or a plain text. */
export function readProblem(d: Json): ProviderProblem | null {
  const raw = d.problem;
  let code: string | null = null;
  let message: string | null = null;
  if (typeof raw === 'string' && raw.trim() !== '') {
    const inner = parseDetail(raw);
    if (Object.keys(inner).length > 0) return readProblem({ problem: inner });
    message = raw.trim();
  } else if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const p = raw as Json;
    code = text(p, 'code') ?? text(p, 'provider_code');
    message = str(p, 'message') ?? str(p, 'detail');
  }
  code = code ?? text(d, 'provider_code');
  // A failed send records the error beside the provider's code (refund.submit, refund.resend_answer).
  if (code && !message) message = str(d, 'error');
  return code || message ? { code, message } : null;
}

// ---- Detail shapes -------------------------------------------------------------------------------------

/** What a provider answer about a payment records (answers.rs `Reading::detail`, poller, by hand, late success). */
interface PaymentAnswerDetail {
  origin: string | null;
  status: string | null;
  was: string | null;
  providerStatus: string | null;
  providerRef: string | null;
  cash: number | null;
  points: number | null;
  problem: ProviderProblem | null;
  error: string | null;
  sent: boolean | null;
  failure: string | null;
  byHand: boolean;
  note: string | null;
  by: string | null;
}
function readPaymentAnswer(d: Json): PaymentAnswerDetail {
  return {
    origin: str(d, 'origin'),
    status: str(d, 'status') ?? str(d, 'after'),
    was: str(d, 'was') ?? str(d, 'before'),
    providerStatus: text(d, 'provider_status'),
    providerRef: text(d, 'provider_ref'),
    cash: num(d, 'cash'),
    points: num(d, 'points'),
    problem: readProblem(d),
    error: str(d, 'error'),
    sent: bool(d, 'sent'),
    failure: str(d, 'detail'),
    byHand: str(d, 'origin') === 'by_hand' || bool(d, 'by_hand') === true,
    note: str(d, 'note'),
    by: str(d, 'by'),
  };
}

/** `payment_created` (start.rs) and `payment.start`. */
interface PaymentStartDetail {
  product: string | null;
  kind: string | null;
  amount: number | null;
  phone: string | null;
  source: string | null;
  pushDeadline: string | null;
  giveUpAt: string | null;
  by: string | null;
}
function readPaymentStart(d: Json): PaymentStartDetail {
  return {
    product: str(d, 'product'),
    kind: str(d, 'kind'),
    amount: num(d, 'amount'),
    phone: str(d, 'phone'),
    source: str(d, 'source'),
    pushDeadline: str(d, 'push_deadline'),
    giveUpAt: str(d, 'give_up_at'),
    by: str(d, 'by'),
  };
}

/** Refund requests, decisions and transitions (ledger refunds.rs `Step` details, app refunds.rs, by_hand.rs). */
interface RefundDetail {
  amount: number | null;
  mode: string | null;
  reason: string | null;
  refusal: string | null;
  refundableBefore: number | null;
  deadline: string | null;
  note: string | null;
  providerRef: string | null;
  providerStatus: string | null;
  byHand: boolean;
  before: string | null;
  after: string | null;
  transferReference: string | null;
  transferDate: string | null;
  resends: number | null;
  problem: ProviderProblem | null;
  error: string | null;
}
function readRefund(d: Json): RefundDetail {
  return {
    amount: num(d, 'amount'),
    mode: str(d, 'mode'),
    reason: str(d, 'reason'),
    refusal: str(d, 'refusal'),
    refundableBefore: num(d, 'refundable_before'),
    deadline: str(d, 'deadline'),
    note: str(d, 'note'),
    providerRef: text(d, 'provider_ref'),
    providerStatus: text(d, 'provider_status'),
    byHand: bool(d, 'by_hand') === true,
    before: str(d, 'before'),
    after: str(d, 'after'),
    transferReference: str(d, 'transfer_reference'),
    transferDate: str(d, 'transfer_date'),
    resends: num(d, 'resends') ?? num(obj(d, 'tries') ?? {}, 'resends'),
    problem: readProblem(d),
    error: str(d, 'error'),
  };
}

// ---- Sentence building ---------------------------------------------------------------------------------

class Words {
  constructor(readonly language: LanguageKey) {}

  say(key: string, params?: Params): string {
    const full = `sentence.${key}`;
    return isMessageKey(full) ? interpolate(dictionaries[this.language][full as MessageKey], params) : '';
  }
  /** A dictionary label (`prefix` + value) or null when there is none: never the raw key. */
  label(prefix: string, value: string | null): string | null {
    return value === null ? null : translateDynamic(this.language, prefix + value);
  }
  money(value: number | null): string | null {
    return value === null ? null : formatMoney(value, this.language);
  }
  time(value: string | null): string | null {
    if (value === null) return null;
    const parts = wibParts(value, this.language);
    return parts ? formatWib(value, this.language) : null;
  }
  /** A `YYYY-MM-DD` calendar day, as the app writes dates (noon WIB, so the day never shifts). */
  day(value: string | null): string | null {
    if (value === null) return null;
    const match = /^(\d{4}-\d{2}-\d{2})/.exec(value);
    const parts = match ? wibParts(`${match[1]}T12:00:00+07:00`, this.language) : wibParts(value, this.language);
    return parts ? parts.date : null;
  }
  /** A payment kind: the sentence's own word where the glossary asks for one, else the kind's label. */
  kind(value: string | null): string | null {
    return this.label('sentence.kind.', value) ?? this.label('kind.', value);
  }
  count(value: number | null): string | null {
    return value === null ? null : formatCount(value, this.language);
  }
  product(value: string | null): string | null {
    return value === null ? null : (PRODUCT_NAMES[value as ProductKey] ?? null);
  }
  paymentStatus(value: string | null): string | null {
    return this.label('txstatus.', value);
  }
  refundStatus(value: string | null): string | null {
    return this.label('refundstatus.', value);
  }
  /** A clause (its own sentence) when `value` is there. */
  clause(key: string, name: string, value: string | number | null): string | null {
    return value === null || value === '' ? null : this.say(key, { [name]: value });
  }
  problem(problem: ProviderProblem | null): string | null {
    if (!problem) return null;
    const words = [problem.code, problem.message].filter((w): w is string => w !== null).join(' ');
    return this.clause('problem', 'text', words);
  }
  cause(cause: string | null): string | null {
    if (cause === null) return null;
    const own = this.label('sentence.cause.', cause);
    const reason = own ?? this.label('error.reason.', cause);
    return reason ? this.say('reason', { reason: reason.replace(/[.。]\s*$/, '') }) : null;
  }
}

/**
 * Joins the main sentence and its clauses: each ends with a full stop, the whole starts with a capital. Runs of
 * white space become one space, but a non-breaking space (`Rp 10.000`) stays.
 */
function finish(parts: (string | null | undefined)[]): string {
  const sentences = parts
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => p.trim().replace(/[^\S\u00a0]+/g, ' ').replace(/[^\S\u00a0]+([,.:;)])/g, '$1'))
    .map((p) => (/[.!?…]$/.test(p) ? p : `${p}.`))
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1));
  return sentences.join(' ');
}

// ---- Timeline --------------------------------------------------------------------------------------------

type TimelineReader = (w: Words, d: Json, who: string) => (string | null)[];

const originClause = (w: Words, origin: string | null) =>
  origin && ['pay', 'status', 'notification', 'cancel', 'resend'].includes(origin) ? w.say(`origin.${origin}`) : null;

/** The clauses every provider answer about a payment shares. */
function answerClauses(w: Words, a: PaymentAnswerDetail): (string | null)[] {
  return [
    originClause(w, a.origin),
    w.clause('providerStatus', 'value', a.providerStatus),
    w.clause('providerRef', 'ref', a.providerRef),
    a.cash !== null && a.points !== null
      ? w.say('split', { cash: w.money(a.cash) ?? '', points: w.money(a.points) ?? '' })
      : null,
    w.problem(a.problem),
    a.problem ? null : w.clause('error', 'text', a.error),
  ];
}

const paymentAnswer =
  (main: string): TimelineReader =>
  (w, d) => {
    const a = readPaymentAnswer(d);
    return [w.say(`timeline.${main}`), ...answerClauses(w, a)];
  };

const byHandPayment =
  (main: string, byHand: string): TimelineReader =>
  (w, d, who) => {
    const a = readPaymentAnswer(d);
    if (!a.byHand) return paymentAnswer(main)(w, d, who);
    return [w.say(`timeline.${byHand}`, { who }), w.clause('providerRef', 'ref', a.providerRef), w.clause('note', 'note', a.note)];
  };

function refundClauses(w: Words, r: RefundDetail): (string | null)[] {
  return [
    w.clause('providerStatus', 'value', r.providerStatus),
    w.clause('providerRef', 'ref', r.providerRef),
    w.problem(r.problem),
    r.problem ? null : w.clause('error', 'text', r.error),
    w.clause('note', 'note', r.note),
  ];
}

const refundPlain =
  (main: string): TimelineReader =>
  (w, d) => [w.say(`timeline.${main}`), ...refundClauses(w, readRefund(d))];

const amountOf = (w: Words, amount: number | null) => (amount === null ? '' : w.say('ofAmount', { amount: w.money(amount) ?? '' }));

const TIMELINE: Record<string, TimelineReader> = {
  refund_requested: (w, d, who) => {
    const r = readRefund(d);
    const main = w.say('timeline.refund_requested', { who, amount: amountOf(w, r.amount) });
    return [
      r.reason ? `${main}: ${r.reason}` : main,
      r.mode === 'offline' ? w.say('offlineMode') : null,
      w.clause('refundable', 'amount', w.money(r.refundableBefore)),
      // The ledger writes the last WIB day (`YYYY-MM-DD`): refunds are allowed all of it.
      w.clause('deadline', 'date', w.day(r.deadline)),
    ];
  },
  refund_approved: (w, d, who) => [w.say('timeline.refund_approved', { who }), w.clause('note', 'note', readRefund(d).note)],
  refund_rejected: (w, d, who) => [w.say('timeline.refund_rejected', { who }), w.clause('note', 'note', readRefund(d).note)],
  refund_submitting: refundPlain('refund_submitting'),
  refund_processing: refundPlain('refund_processing'),
  refund_succeeded: (w, d, who) => {
    const r = readRefund(d);
    return r.byHand
      ? [w.say('timeline.refund_succeeded_by_hand', { who }), ...refundClauses(w, r)]
      : [w.say('timeline.refund_succeeded'), ...refundClauses(w, r)];
  },
  refund_failed: (w, d, who) => {
    const r = readRefund(d);
    if (r.byHand) return [w.say('timeline.refund_failed_by_hand', { who }), ...refundClauses(w, r)];
    const words = r.problem ? [r.problem.code, r.problem.message].filter(Boolean).join(' ') : '';
    return words
      ? [w.say('timeline.refund_failed_problem', { problem: words }), w.clause('providerRef', 'ref', r.providerRef)]
      : [w.say('timeline.refund_failed'), ...refundClauses(w, r)];
  },
  refund_unknown: refundPlain('refund_unknown'),
  refund_settled_offline: (w, d, who) => {
    const r = readRefund(d);
    return [
      w.say('timeline.refund_settled_offline', { who }),
      w.clause('transferRef', 'reference', r.transferReference),
      w.clause('transferDate', 'date', w.day(r.transferDate)),
    ];
  },
  refund_awaiting_transfer: refundPlain('refund_awaiting_transfer'),
  refund_needs_review: refundPlain('refund_needs_review'),
  refund_resent: (w, d) => {
    const r = readRefund(d);
    return [w.say('timeline.refund_resent'), w.clause('resends', 'count', w.count(r.resends))];
  },
  payment_created: (w, d, who) => {
    const p = readPaymentStart(d);
    const what = [w.kind(p.kind), w.money(p.amount)].filter(Boolean).join(', ');
    return [
      what ? w.say('timeline.payment_created', { who, what }) : w.say('timeline.payment_created_plain', { who }),
      w.clause('phone', 'phone', p.phone),
      w.clause('source', 'source', w.label('source.', p.source)),
      w.clause('pushDeadline', 'time', w.time(p.pushDeadline)),
      w.clause('giveUp', 'time', w.time(p.giveUpAt)),
    ];
  },
  payment_pending: paymentAnswer('payment_pending'),
  payment_succeeded: byHandPayment('payment_succeeded', 'payment_succeeded_by_hand'),
  payment_failed: (w, d, who) => {
    const a = readPaymentAnswer(d);
    if (a.sent === false)
      return [w.say('timeline.payment_failed_unsent'), w.clause('error', 'text', a.failure)];
    return byHandPayment('payment_failed', 'payment_failed_by_hand')(w, d, who);
  },
  payment_unknown: paymentAnswer('payment_unknown'),
  payment_expired: paymentAnswer('payment_expired'),
  payment_cancelled: paymentAnswer('payment_cancelled'),
  payment_sent: paymentAnswer('payment_sent'),
  payment_redirect: paymentAnswer('payment_redirect'),
  payment_needs_review: paymentAnswer('payment_needs_review'),
  payment_relink_required: paymentAnswer('payment_relink_required'),
  payment_requested_again: (w, d, who) => [
    w.say('timeline.payment_requested_again', { who }),
    w.clause('attempt', 'count', num(d, 'attempt')),
  ],
  payment_cancel_requested: (w, d, who) => {
    const a = readPaymentAnswer(d);
    return [
      w.say('timeline.payment_cancel_requested', { who }),
      w.clause('statusThen', 'status', w.paymentStatus(a.status)),
      w.clause('providerRef', 'ref', a.providerRef),
    ];
  },
  payment_late_success: (w, d) => {
    const a = readPaymentAnswer(d);
    const was = w.paymentStatus(a.was);
    return [
      was ? w.say('timeline.payment_late_success', { was }) : w.say('timeline.payment_late_success_plain'),
      ...answerClauses(w, { ...a, origin: a.origin }),
    ];
  },
  payment_resent: (w, d) => [w.say('timeline.payment_resent'), w.clause('attempt', 'count', num(d, 'attempt'))],
  notification: (w, d) => {
    const a = readPaymentAnswer(d);
    const status = w.paymentStatus(a.status);
    return [status ? w.say('timeline.notification', { status }) : w.say('timeline.notification_plain'), ...answerClauses(w, { ...a, origin: null })];
  },
  status_query: (w, d) => {
    const a = readPaymentAnswer(d);
    const status = w.paymentStatus(a.status);
    return [status ? w.say('timeline.status_query', { status }) : w.say('timeline.status_query_plain'), ...answerClauses(w, { ...a, origin: null })];
  },
};

/** The timeline kinds that have a sentence of their own. */
export const TIMELINE_SENTENCE_KINDS: readonly string[] = Object.keys(TIMELINE);

/** The operator who acted on a timeline event, or "the system". */
function timelineWho(w: Words, event: TimelineEventView, d: Json): string {
  return event.actor?.trim() || str(d, 'by') || w.say('system');
}

export function timelineSentence(event: TimelineEventView, language: LanguageKey): string {
  const w = new Words(language);
  const reader = Object.prototype.hasOwnProperty.call(TIMELINE, event.kind) ? TIMELINE[event.kind] : undefined;
  if (!reader) return translateDynamic(language, `timeline.${event.kind}`) ?? event.kind;
  const d = parseDetail(event.detail);
  return finish(reader(w, d, timelineWho(w, event, d)));
}

// ---- Audit -----------------------------------------------------------------------------------------------

interface AuditContext {
  w: Words;
  d: Json;
  who: string;
  subject: string;
  outcome: string;
}
type AuditReader = (c: AuditContext) => (string | null)[];

const simple =
  (key: string): AuditReader =>
  ({ w, d, who, subject }) => [w.say(`audit.${key}`, { who, subject: subjectName(subject) }), w.cause(str(d, 'cause')), w.problem(readProblem(d)), w.clause('error', 'text', str(d, 'error'))];

/** After the subject's `kind:` prefix (`payment:P-1` → `P-1`). */
const subjectName = (subject: string) => subject.replace(/^[a-z_]+:/, '');

const refundAudit =
  (key: string): AuditReader =>
  ({ w, d, who }) => {
    const r = readRefund(d);
    return [w.say(`audit.${key}`, { who, amount: amountOf(w, r.amount) }), w.clause('note', 'note', r.note)];
  };

const paymentAnswerAudit =
  (key: string): AuditReader =>
  ({ w, d }) => {
    const a = readPaymentAnswer(d);
    const status = w.paymentStatus(a.status);
    return [
      status ? w.say(`audit.${key}`, { status }) : w.say(`audit.${key}_plain`),
      ...answerClauses(w, { ...a, origin: null }),
    ];
  };

/** A provider's answer to a payment call: the status it left, by label, and what the answer said. */
function answerAudit(w: Words, a: PaymentAnswerDetail, key: string): (string | null)[] {
  const status = w.paymentStatus(a.status);
  return [status ? w.say(key, { status }) : w.say(`${key}_plain`), ...answerClauses(w, { ...a, origin: null })];
}

const AUDIT: Record<string, AuditReader> = {
  'setup.first_admin': simple('setup.first_admin'),
  'session.sign_in': ({ w, d, who }) => [
    w.say('audit.session.sign_in', { who }),
    bool(d, 'password_one_time') ? w.say('oneTimePassword') : null,
  ],
  'session.sign_in_failed': ({ w, d, subject }) => [w.say('audit.session.sign_in_failed', { subject }), w.cause(str(d, 'cause'))],
  'session.sign_out': simple('session.sign_out'),
  'session.lock': ({ w, d, who }) => {
    const cause = str(d, 'cause');
    const key = cause && ['operator', 'idle', 'clock_moved_back'].includes(cause) ? cause : 'other';
    return [w.say(`audit.session.lock.${key}`, { who })];
  },
  'session.unlock': simple('session.unlock'),
  'session.unlock_failed': simple('session.unlock_failed'),
  'operator.create': ({ w, d, who, subject }) => {
    const role = w.label('role.', str(d, 'role'));
    return [role ? w.say('audit.operator.create', { who, subject, role }) : w.say('audit.operator.create_plain', { who, subject })];
  },
  'operator.role_change': ({ w, d, who, subject }) => {
    const from = w.label('role.', str(d, 'from'));
    const to = w.label('role.', str(d, 'to'));
    return [from && to ? w.say('audit.operator.role_change', { who, subject, from, to }) : w.say('audit.operator.role_change_plain', { who, subject })];
  },
  'operator.disable': simple('operator.disable'),
  'operator.enable': simple('operator.enable'),
  'password.changed': simple('password.changed'),
  'password.change_failed': simple('password.change_failed'),
  'password.reset': simple('password.reset'),
  'password.lockout': ({ w, d, subject }) => [
    w.say('audit.password.lockout', { subject: subjectName(subject) }),
    w.clause('failures', 'count', w.count(num(d, 'failures'))),
    w.clause('lockSeconds', 'count', w.count(num(d, 'seconds'))),
  ],
  'credential.set': simple('credential.set'),
  'credential.replace': simple('credential.replace'),
  'credential.delete': simple('credential.delete'),
  'provider.test_connection': ({ w, d, who, subject }) => {
    const detail = str(d, 'detail');
    const code = text(d, 'provider_code');
    return [
      w.say('audit.provider.test_connection', { who, subject }),
      code || detail ? w.problem({ code, message: detail }) : null,
    ];
  },
  'settings.language': ({ w, d, who }) => {
    const to = str(d, 'to');
    const name = to === 'en' || to === 'id' ? LANGUAGE_NAMES[to] : null;
    return [name ? w.say('audit.settings.language', { who, to: name }) : w.say('audit.settings.language_plain', { who })];
  },
  'settings.idle_lock': ({ w, d, who }) => {
    const from = num(d, 'from');
    const to = num(d, 'to');
    return [
      to !== null
        ? w.say('audit.settings.idle_lock', { who, to: w.count(to) ?? '' })
        : w.say('audit.settings.idle_lock_plain', { who }),
      w.clause('wasMinutes', 'count', w.count(from)),
    ];
  },
  'settings.environment': ({ w, d, who }) => {
    const to = w.label('env.', str(d, 'to'));
    const from = w.label('env.', str(d, 'from'));
    return [to ? w.say('audit.settings.environment', { who, to }) : w.say('audit.settings.environment_plain', { who }), w.clause('was', 'value', from)];
  },
  'access.denied': ({ w, d, who }) => {
    const role = w.label('role.', str(d, 'role'));
    return [role ? w.say('audit.access.denied', { who, role }) : w.say('audit.access.denied_plain', { who })];
  },
  'url.refused': ({ w, d }) => {
    const host = str(d, 'host');
    return [
      host ? w.say('audit.url.refused', { host }) : w.say('audit.url.refused_plain'),
      w.cause(str(d, 'cause')),
      w.clause('product', 'product', w.product(str(d, 'product'))),
    ];
  },
  'notification.unverified': ({ w, d }) => {
    const product = w.product(str(d, 'product'));
    return [
      product ? w.say('audit.notification.unverified', { product }) : w.say('audit.notification.unverified_plain'),
      w.clause('reason', 'reason', str(d, 'rejection')),
    ];
  },
  'listener.rate_limited': ({ w, d }) => {
    const source = str(d, 'source');
    return [source ? w.say('audit.listener.rate_limited', { source }) : w.say('audit.listener.rate_limited_plain'), w.clause('burst', 'count', num(d, 'burst'))];
  },
  'account.link.start': ({ w, d, who }) => [w.say('audit.account.link.start', { who }), w.clause('linkRef', 'ref', str(d, 'reference')), w.cause(str(d, 'cause'))],
  'account.link': ({ w, d, outcome }) => [
    w.say(outcome === 'ok' ? 'audit.account.link' : 'audit.account.link_failed'),
    w.clause('linkRef', 'ref', str(d, 'reference')),
    w.clause('statusNow', 'status', w.label('account.status.', str(d, 'status'))),
    w.problem(readProblem(d)),
    w.clause('error', 'text', str(d, 'error')),
  ],
  'account.unlink': ({ w, d, who, outcome }) => {
    const pending = str(d, 'outcome') === 'pending';
    return [
      w.say(outcome !== 'ok' ? 'audit.account.unlink_failed' : pending ? 'audit.account.unlink_pending' : 'audit.account.unlink', { who }),
      w.problem(readProblem(d)),
      w.clause('error', 'text', str(d, 'error')),
    ];
  },
  'account.balance.refresh': ({ w, d, who }) => {
    const cash = w.money(num(d, 'cash'));
    const points = w.money(num(d, 'points'));
    return [
      cash && points ? w.say('audit.account.balance.refresh', { who, cash, points }) : w.say('audit.account.balance.refresh_plain', { who }),
      w.clause('error', 'text', str(d, 'error')),
    ];
  },
  'demo.seed': ({ w, d }) => {
    const customers = num(d, 'customers');
    const accounts = num(d, 'linked_accounts');
    return [
      customers !== null && accounts !== null
        ? w.say('audit.demo.seed', { customers: w.count(customers) ?? '', accounts: w.count(accounts) ?? '' })
        : w.say('audit.demo.seed_plain'),
    ];
  },
  'audit.key_replaced': ({ w, d }) => {
    const from = num(d, 'unverifiable_from');
    const to = num(d, 'unverifiable_to');
    return [from !== null && to !== null ? w.say('audit.audit.key_replaced', { from, to }) : w.say('audit.audit.key_replaced_plain')];
  },
  'payment.start': ({ w, d, who }) => {
    const p = readPaymentStart(d);
    const what = [w.product(p.product), w.kind(p.kind), w.money(p.amount)].filter(Boolean).join(', ');
    return [what ? w.say('audit.payment.start', { who, what }) : w.say('audit.payment.start_plain', { who })];
  },
  'payment.status': paymentAnswerAudit('payment.status'),
  'payment.refresh': simple('payment.refresh'),
  'payment.notification': paymentAnswerAudit('payment.notification'),
  'refund.request': ({ w, d, who, outcome }) => {
    const r = readRefund(d);
    if (outcome === 'denied' || r.refusal)
      return [w.say('audit.refund.request_refused', { who, amount: amountOf(w, r.amount) }), w.clause('reason', 'reason', r.refusal)];
    const ref = str(d, 'refund');
    const main = w.say('audit.refund.request', { who, amount: amountOf(w, r.amount) });
    return [r.reason ? `${main}: ${r.reason}` : main, w.clause('refundRef', 'ref', ref)];
  },
  'refund.decide': ({ w, d, who }) => [w.say('audit.refund.decide', { who }), w.cause(str(d, 'cause'))],
  'refund.approve': refundAudit('refund.approve'),
  'refund.reject': refundAudit('refund.reject'),
  'refund.settle_offline': refundAudit('refund.settle_offline'),
  'refund.submit': ({ w, d, outcome }) => {
    const r = readRefund(d);
    return [w.say(outcome === 'ok' ? 'audit.refund.submit' : 'audit.refund.submit_failed'), ...refundClauses(w, r)];
  },
  'refund.status': ({ w, d }) => [w.say('audit.refund.status'), ...refundClauses(w, readRefund(d))],
  'refund.record_transfer': ({ w, d, who }) => {
    const r = readRefund(d);
    return [
      w.say('audit.refund.record_transfer', { who, amount: amountOf(w, r.amount) }),
      w.clause('transferRef', 'reference', r.transferReference),
      w.clause('transferDate', 'date', w.day(r.transferDate)),
      w.clause('statusNow', 'status', w.refundStatus(r.after)),
    ];
  },
  'refund.resolve_by_hand': ({ w, d, who }) => {
    const r = readRefund(d);
    const after = w.refundStatus(r.after);
    return [
      after ? w.say('audit.refund.resolve_by_hand', { who, status: after }) : w.say('audit.refund.resolve_by_hand_plain', { who }),
      w.clause('ofRefund', 'amount', w.money(r.amount)),
      w.clause('providerRef', 'ref', r.providerRef),
      w.clause('note', 'note', r.note),
    ];
  },
  'payment.resolve_by_hand': ({ w, d, who }) => {
    const a = readPaymentAnswer(d);
    const after = w.paymentStatus(str(d, 'after') ?? a.status);
    return [
      after ? w.say('audit.payment.resolve_by_hand', { who, status: after }) : w.say('audit.payment.resolve_by_hand_plain', { who }),
      w.clause('providerRef', 'ref', a.providerRef),
      w.clause('note', 'note', a.note),
      w.cause(str(d, 'cause')),
    ];
  },
  'refund_policy.set': simple('refund_policy.set'),
  'refund_policy.reset': simple('refund_policy.reset'),
  'settings.listener': ({ w, d, who }) => {
    const enabled = bool(d, 'enabled');
    const address = str(d, 'address');
    if (enabled === false) return [w.say('audit.settings.listener_off', { who })];
    return [address ? w.say('audit.settings.listener', { who, address }) : w.say('audit.settings.listener_plain', { who })];
  },
  'provider_settings.save': ({ w, d, who, subject }) => {
    const changed = Array.isArray(d.changed)
      ? d.changed
          .filter((k): k is string => typeof k === 'string')
          .map((k) => w.label('provsettings.field.', k))
          .filter((k): k is string => k !== null)
      : [];
    return [w.say('audit.provider_settings.save', { who, subject: subjectName(subject) }), w.clause('changed', 'fields', changed.join(', '))];
  },
  'provider_settings.reset': ({ w, who, subject }) => [w.say('audit.provider_settings.reset', { who, subject: subjectName(subject) })],
  'customer.create': ({ w, d, who }) => {
    const name = str(obj(d, 'after') ?? {}, 'full_name');
    return [name ? w.say('audit.customer.create', { who, name }) : w.say('audit.customer.create_plain', { who })];
  },
  'customer.update': ({ w, d, who }) => {
    const name = str(obj(d, 'after') ?? {}, 'full_name');
    return [
      name ? w.say('audit.customer.update', { who, name }) : w.say('audit.customer.update_plain', { who }),
      str(d, 'import_sha256') ? w.say('fromImport') : null,
    ];
  },
  'customer.note': ({ w, d, who }) => {
    const note = str(d, 'text');
    return [note ? w.say('audit.customer.note', { who, note }) : w.say('audit.customer.note_plain', { who })];
  },
  'customer.forget': simple('customer.forget'),
  'customer.import': ({ w, d, who }) => {
    const counts = ['created', 'updated', 'unchanged', 'rejected'].map((k) => num(d, k));
    return [
      counts.every((c) => c !== null)
        ? w.say('audit.customer.import', {
            who,
            created: w.count(counts[0]) ?? '',
            updated: w.count(counts[1]) ?? '',
            unchanged: w.count(counts[2]) ?? '',
            rejected: w.count(counts[3]) ?? '',
          })
        : w.say('audit.customer.import_plain', { who }),
    ];
  },
  'desk.enrolment_created': ({ w, d, who }) => {
    const until = w.time(str(d, 'expires_at'));
    return [until ? w.say('audit.desk.enrolment_created', { who, time: until }) : w.say('audit.desk.enrolment_created_plain', { who })];
  },
  'desk.enrolment_withdrawn': simple('desk.enrolment_withdrawn'),
  'desk.enrolled': ({ w, d }) => {
    const desk = str(d, 'desk');
    const by = str(d, 'enrolment_created_by');
    return [desk ? w.say('audit.desk.enrolled', { desk }) : w.say('audit.desk.enrolled_plain'), w.clause('codeBy', 'name', by)];
  },
  'ledger.moved': ({ w, d, who }) => [w.say('audit.ledger.moved', { who }), w.clause('ledgerAt', 'location', str(d, 'to'))],
  'ledger.joined': ({ w, d, who }) => [w.say('audit.ledger.joined', { who }), w.clause('ledgerAt', 'location', str(d, 'to'))],
  'ledger.backed_up': ({ w, d, who }) => [
    bool(d, 'automatic') ? w.say('audit.ledger.backed_up_auto') : w.say('audit.ledger.backed_up', { who }),
    w.clause('backupFile', 'name', str(d, 'backup')),
  ],
  'ledger.backups_kept': ({ w, d, who }) => {
    const count = w.count(num(d, 'to'));
    return [count ? w.say('audit.ledger.backups_kept', { who, count }) : w.say('audit.ledger.backups_kept_plain', { who })];
  },
  'ledger.restore_requested': ({ w, d, who }) => [
    w.say('audit.ledger.restore_requested', { who }),
    w.clause('backupFile', 'name', str(d, 'backup')),
  ],
  'ledger.restore_dropped': ({ w, d }) => {
    const cause = str(d, 'cause');
    const known = cause === 'backup_gone' || cause === 'backup_damaged' || cause === 'ledger_sound';
    return [
      known ? w.say(`audit.ledger.restore_dropped_${cause}`) : w.say('audit.ledger.restore_dropped'),
      w.clause('backupFile', 'name', str(d, 'backup')),
    ];
  },
  'ledger.restored': ({ w, d, who }) => [
    str(d, 'reason') === 'damaged' ? w.say('audit.ledger.restored_damaged') : w.say('audit.ledger.restored', { who }),
    w.clause('backupFile', 'name', str(d, 'backup')),
    w.clause('keptAs', 'name', str(d, 'replaced_file_kept_as')),
    bool(d, 'request_verified') === false ? w.say('restoreUnverified') : null,
  ],
  'export.written': ({ w, d, who }) => {
    const rows = num(d, 'rows');
    const format = str(d, 'format');
    return [
      rows !== null ? w.say('audit.export.written', { who, rows: w.count(rows) ?? '' }) : w.say('audit.export.written_plain', { who }),
      w.clause('format', 'format', format ? format.toUpperCase() : null),
    ];
  },
  'settlement.imported': ({ w, d, who }) => {
    const product = w.product(str(d, 'product'));
    const lines = num(d, 'lines');
    return [
      product ? w.say('audit.settlement.imported', { who, product }) : w.say('audit.settlement.imported_plain', { who }),
      w.clause('file', 'name', str(d, 'file')),
      w.clause('lines', 'count', w.count(lines)),
    ];
  },
  'settlement.exception_resolved': ({ w, d, who }) => [
    w.say('audit.settlement.exception_resolved', { who }),
    w.clause('reason', 'reason', str(d, 'reason')),
    w.clause('ledgerAmount', 'amount', w.money(num(d, 'ledger_amount'))),
    w.clause('fileAmount', 'amount', w.money(num(d, 'file_amount'))),
  ],
  // Actions the back end writes that have no `audit.action.*` label (yet): their sentences tell them anyway.
  'payment.pay': ({ w, d }) => {
    const a = readPaymentAnswer(d);
    if (a.sent === false) return [w.say('timeline.payment_failed_unsent'), w.clause('error', 'text', a.failure)];
    return answerAudit(w, a, 'audit.payment.answer.pay');
  },
  'payment.cancel': ({ w, d, who }) => TIMELINE.payment_cancel_requested(w, d, who),
  'payment.cancel_answer': ({ w, d }) => answerAudit(w, readPaymentAnswer(d), 'audit.payment.answer.cancel'),
  'payment.request_again': ({ w, d, who }) => TIMELINE.payment_requested_again(w, d, who),
  'payment.resend': ({ w, d, who }) => TIMELINE.payment_resent(w, d, who),
  'payment.resend_answer': ({ w, d }) => answerAudit(w, readPaymentAnswer(d), 'audit.payment.answer.resend'),
  'payment.late_success': ({ w, d, who }) => TIMELINE.payment_late_success(w, d, who),
  'account.needs_relink': ({ w, d }) => [w.say('audit.account.needs_relink'), w.clause('paymentRef', 'ref', str(d, 'payment'))],
  'account.relinked': ({ w, d, outcome }) => [
    w.say(outcome === 'ok' ? 'audit.account.relinked' : 'audit.account.relinked_failed'),
    w.clause('error', 'text', str(d, 'error')),
  ],
  'account.unlink.start': ({ w, d, who }) => [
    w.say('audit.account.unlink.start', { who }),
    w.clause('was', 'value', w.label('account.status.', str(d, 'from'))),
  ],
  'refund.await_transfer': ({ w, d }) => [w.say('audit.refund.await_transfer', { amount: amountOf(w, readRefund(d).amount) })],
  'refund.needs_review': ({ w, d }) => TIMELINE.refund_needs_review(w, d, ''),
  'refund.resend': ({ w, d }) => {
    const r = readRefund(d);
    return [w.say('timeline.refund_resent'), w.clause('resends', 'count', w.count(r.resends)), w.problem(r.problem)];
  },
  'refund.resend_answer': ({ w, d, outcome }) => [
    w.say(outcome === 'ok' ? 'audit.refund.resend_answer' : 'audit.refund.resend_answer_failed'),
    ...refundClauses(w, readRefund(d)),
  ],
};

/** The audit actions that have a sentence of their own. */
export const AUDIT_SENTENCE_ACTIONS: readonly string[] = Object.keys(AUDIT);

/** Display name, else user name, else "the system". */
export function auditOperator(entry: AuditEntryView, language: LanguageKey): string {
  return entry.operatorName?.trim() || entry.operator?.trim() || new Words(language).say('system');
}

/** Actions whose reader tells a refusal itself; any other refused action reads "X was refused: …". */
const TELLS_REFUSAL = new Set([
  'refund.request',
  'refund.decide',
  'access.denied',
  'url.refused',
  'notification.unverified',
  'listener.rate_limited',
  'password.lockout',
  'session.unlock_failed',
  'password.change_failed',
  'session.sign_in_failed',
]);

export function auditSentence(entry: AuditEntryView, language: LanguageKey): string {
  const w = new Words(language);
  const label = translateDynamic(language, `audit.action.${entry.action}`);
  const reader = Object.prototype.hasOwnProperty.call(AUDIT, entry.action) ? AUDIT[entry.action] : undefined;
  if (!reader) return label ?? entry.action;
  const d = parseDetail(entry.detail);
  const who = auditOperator(entry, language);
  if (entry.outcome === 'denied' && !TELLS_REFUSAL.has(entry.action)) {
    return finish([w.say('audit.refused', { who, action: (label ?? entry.action).toLowerCase() }), w.cause(str(d, 'cause'))]);
  }
  return finish(reader({ w, d, who, subject: entry.subject, outcome: entry.outcome }));
}
