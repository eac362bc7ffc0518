// Starting the linking of a customer's OVO account with a product, from the customer's page or the linking
// dialog: the back end asks OVO, and a toast says it started.

import { t } from './i18n/i18n.svelte';
import { api } from './ipc/client';
import type { LinkedAccountView, ProductKey } from './ipc/types';
import { toastSuccess } from './toasts.svelte';

export async function startLinking(customerId: number, product: ProductKey, phone: string): Promise<LinkedAccountView> {
  const account = await api.startLink({ customerId, product, phone: phone.trim() });
  const name = account.productName;
  toastSuccess(() => t('link.started', { product: name }));
  return account;
}
