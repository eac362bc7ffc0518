// Customer desk helpers: product names, account grouping and status badges, permission checks.

import type { LinkStatus, LinkedAccountView, Permission, ProductKey } from './ipc/types';

/** Brand names, the same in every language (as the back end's `productName`). */
export const PRODUCT_NAMES: Record<ProductKey, string> = {
  doku_snap_ovo: 'DOKU SNAP OVO',
  doku_jokul_ovo_push: 'DOKU Jokul OVO Push',
  tazapay_ovo_idr: 'Tazapay OVO',
  faspay_ovo_tokenize: 'Faspay OVO Tokenize',
  ovo_snap: 'OVO SNAP',
};

export function productName(product: ProductKey): string {
  return PRODUCT_NAMES[product] ?? product;
}

/** How long the search waits after the last keystroke. */
export const SEARCH_DELAY_MS = 150;
export const SEARCH_LIMIT = 20;
/** How often a pending linking is checked while its customer page is open. */
export const LINK_POLL_MS = 2000;

export function canLinkAccounts(permissions: readonly Permission[]): boolean {
  return permissions.includes('link_accounts');
}

export type AccountGroup = { product: ProductKey; productName: string; accounts: LinkedAccountView[] };

/** Accounts grouped per product, groups in the order of their newest account (the back end sends newest first). */
export function groupAccounts(accounts: readonly LinkedAccountView[]): AccountGroup[] {
  const groups = new Map<ProductKey, AccountGroup>();
  for (const account of accounts) {
    let group = groups.get(account.product);
    if (!group) {
      group = { product: account.product, productName: account.productName, accounts: [] };
      groups.set(account.product, group);
    }
    group.accounts.push(account);
  }
  return [...groups.values()];
}

export function statusBadgeClass(status: LinkStatus): string {
  switch (status) {
    case 'active':
      return 'badge badge-success';
    case 'pending':
    case 'unlinking':
      return 'badge badge-info';
    case 'failed':
      return 'badge badge-danger';
    case 'expired':
    case 'needs_relink':
      return 'badge badge-warning';
    default:
      return 'badge';
  }
}

/** Badge colour for a payment or refund status string. */
export function txStatusClass(status: string): string {
  if (status === 'succeeded' || status === 'approved' || status === 'settled_offline') return 'badge badge-success';
  if (status === 'failed' || status === 'rejected') return 'badge badge-danger';
  if (status === 'unknown' || status === 'needs_review' || status === 'expired') return 'badge badge-warning';
  if (
    status === 'pending' ||
    status === 'processing' ||
    status === 'submitting' ||
    status === 'requested' ||
    status === 'awaiting_approval'
  )
    return 'badge badge-info';
  return 'badge';
}

/** Only http(s) links go to the system browser (the back end checks again). */
export function isWebLink(url: string | null): url is string {
  return url !== null && /^https?:\/\//i.test(url);
}

/** Only inline images are shown: the CSP allows `img-src 'self' data:`. */
export function isDataImage(url: string | null): url is string {
  return url !== null && url.startsWith('data:image/');
}
