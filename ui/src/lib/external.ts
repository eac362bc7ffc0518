// A provider's page (payment, linking) opens in the system browser; the back end opens only that product's
// page hosts, and a refusal or a failure to open it is toasted.

import { api } from './ipc/client';
import type { ProductKey } from './ipc/types';
import { toastError } from './toasts.svelte';

export async function openExternalPage(product: ProductKey, url: string): Promise<void> {
  try {
    await api.openExternal({ product, url });
  } catch (error) {
    toastError(error);
  }
}
