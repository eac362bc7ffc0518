// Opening a provider's web page (a linking page, a top-up link, a payment page) in the system browser.

import { api } from './ipc/client';
import { toastError } from './toasts.svelte';

/** Asks the back end to open `url`; a refusal shows as a toast. */
export async function openInBrowser(url: string): Promise<void> {
  try {
    await api.openExternal({ url });
  } catch (error) {
    toastError(error);
  }
}
