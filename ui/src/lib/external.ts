// A provider's page (payment, linking) opens in the system browser; a failure to open it is toasted.

import { api } from './ipc/client';
import { toastError } from './toasts.svelte';

export async function openExternalPage(url: string): Promise<void> {
  try {
    await api.openExternal({ url });
  } catch (error) {
    toastError(error);
  }
}
