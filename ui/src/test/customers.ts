// Customer desk test data.

import type {
  CustomerDetails,
  CustomerPage,
  CustomerTimelineEntry,
  ImportInspection,
  ImportProgress,
  CustomerSummary,
  LinkStatus,
  LinkedAccountView,
  ProductKey,
  ProviderProblem,
  SearchResult,
} from '../lib/ipc/types';

export function customer(overrides: Partial<CustomerSummary> = {}): CustomerSummary {
  return {
    id: 7,
    fullName: 'Budi Santoso',
    phone: '6281234567890',
    phoneDisplay: '0812-3456-7890',
    merchantCustomerId: 'CUST-0007',
    email: 'budi@example.co.id',
    linkedProducts: ['ovo_snap'],
    createdAt: '2026-01-10T03:00:00Z',
    forgotten: false,
    ...overrides,
  };
}

/** What `search_customers` answers for `query`: Budi Santoso, found by name, unless `overrides` say otherwise. */
export function searchResult(query: string, overrides: Partial<SearchResult> = {}): SearchResult {
  return {
    query,
    interpretedAs: ['name'],
    normalizedPhone: null,
    hits: [{ customer: customer(), matched: 'name', matchedValue: 'Budi Santoso' }],
    truncated: false,
    ...overrides,
  };
}

/** One entry of a customer's timeline: a note unless `overrides` say otherwise. */
export function timelineEntry(overrides: Partial<CustomerTimelineEntry>): CustomerTimelineEntry {
  return {
    kind: 'note',
    at: '2026-03-05T03:00:00Z',
    reference: null,
    product: null,
    amount: null,
    status: null,
    text: null,
    author: null,
    paymentId: null,
    refundId: null,
    accountId: null,
    ...overrides,
  };
}

const NAMES: Record<ProductKey, string> = {
  doku_snap_ovo: 'DOKU SNAP OVO',
  doku_jokul_ovo_push: 'DOKU Jokul OVO Push',
  tazapay_ovo_idr: 'Tazapay OVO',
  faspay_ovo_tokenize: 'Faspay OVO Tokenize',
  ovo_snap: 'OVO SNAP',
};

export function problem(kind: ProviderProblem['kind'], overrides: Partial<ProviderProblem> = {}): ProviderProblem {
  return {
    kind,
    providerCode: '4030705',
    detail: 'HTTP 403: responseCode 4030705 "Do Not Honor"',
    at: '2026-03-05T03:42:00Z',
    ...overrides,
  };
}

export function account(
  id: number,
  status: LinkStatus,
  product: ProductKey = 'ovo_snap',
  overrides: Partial<LinkedAccountView> = {},
): LinkedAccountView {
  const active = status === 'active';
  return {
    id,
    product,
    productName: NAMES[product],
    phone: '6281234567890',
    phoneDisplay: '0812-3456-7890',
    status,
    reference: `LNK-${id}`,
    providerRef: active ? `PRV-${id}` : null,
    createdAt: '2026-03-01T02:00:00Z',
    linkedAt: active || status === 'unlinked' || status === 'unlinking' ? '2026-03-01T02:01:00Z' : null,
    unlinkedAt: status === 'unlinked' ? '2026-03-02T05:00:00Z' : null,
    updatedAt: '2026-03-02T05:00:00Z',
    redirectUrl: status === 'pending' ? 'https://sandbox.example/link/abc' : null,
    expiresAt: status === 'pending' ? '2026-03-05T03:15:00Z' : null,
    problem: status === 'failed' ? problem('declined') : null,
    balance: active
      ? { cash: 150000, points: 2500, asOf: '2026-03-05T02:15:00Z', lastFailure: null, stale: false }
      : null,
    features: { balance: true, history: true, topUp: true, unlink: true },
    ...overrides,
  };
}

export function customerPage(overrides: Partial<CustomerPage> = {}): CustomerPage {
  return {
    customer: customer(),
    notes: null,
    accounts: [account(1, 'active')],
    linkableProducts: ['ovo_snap', 'doku_snap_ovo', 'faspay_ovo_tokenize'],
    payments: [
      {
        id: 11,
        reference: 'PAY-0011',
        product: 'ovo_snap',
        kind: 'sale',
        amount: 125000,
        status: 'succeeded',
        providerRef: 'P-11',
        createdAt: '2026-03-03T04:00:00Z',
      },
    ],
    refunds: [
      {
        id: 21,
        reference: 'RFD-0021',
        paymentReference: 'PAY-0011',
        product: 'ovo_snap',
        amount: 25000,
        status: 'requested',
        requestedAt: '2026-03-04T04:00:00Z',
      },
    ],
    ...overrides,
  };
}

/** A promise whose settling the test controls. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function details(overrides: Partial<CustomerSummary> = {}, notes: string | null = null): CustomerDetails {
  return { customer: customer(overrides), notes, forgotten: false, updatedAt: '2026-03-05T03:00:00Z' };
}

export function inspection(overrides: Partial<ImportInspection> = {}): ImportInspection {
  return {
    path: '/home/ops/customers.csv',
    fileName: 'customers.csv',
    bytes: 2048,
    encoding: 'utf8_bom',
    delimiter: ';',
    headers: ['Nama', 'No HP', 'ID', 'Email'],
    mapping: { fullName: 0, phone: 1, merchantCustomerId: 2, email: 3, notes: null },
    mappingRemembered: false,
    preview: [
      {
        line: 2,
        fullName: 'Dewi Lestari',
        phone: '6281311112222',
        merchantCustomerId: 'C-1',
        email: null,
        notes: null,
        errors: [],
      },
      {
        line: 3,
        fullName: 'Eko',
        phone: '021555',
        merchantCustomerId: 'C-2',
        email: null,
        notes: null,
        errors: [
          {
            line: 3,
            field: 'phone',
            reason: 'phone_not_mobile',
            message: { en: 'phone: not an Indonesian mobile number', id: 'ponsel: bukan nomor ponsel Indonesia' },
          },
        ],
      },
    ],
    ...overrides,
  };
}

export function importProgress(overrides: Partial<ImportProgress> = {}): ImportProgress {
  return {
    jobId: 4,
    state: 'running',
    phase: 'reading',
    bytesRead: 0,
    bytesTotal: 2048,
    rowsRead: 0,
    summary: null,
    error: null,
    ...overrides,
  };
}
