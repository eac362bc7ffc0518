import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Credentials from './Credentials.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { app } from '../../lib/session.svelte';
import { refusal } from '../../test/answers';
import { fakeBackend, freshEachTest } from '../../test/fixtures';
import type { ProductCredentials, ProductKey } from '../../lib/ipc/types';

/** One product's credential fields, each set or not. */
function credentials(product: ProductKey, productName: string, set: Record<string, boolean>): ProductCredentials[] {
  return [{ product, productName, fields: Object.entries(set).map(([field, isSet]) => ({ field, isSet })) }];
}

const products = () => credentials('ovo_snap', 'OVO SNAP Open API', { client_id: true, client_secret: false });
const pemProducts = () =>
  credentials('doku_snap_ovo', 'DOKU SNAP OVO', {
    client_id: true,
    merchant_private_key: false,
    provider_public_key: true,
  });

/** Renders the page over a fake back end that lists `list()` and answers `handlers` too. */
function showCredentials(list: () => ProductCredentials[], handlers: Parameters<typeof fakeBackend>[0] = {}) {
  invoke.mockImplementation(fakeBackend({ list_credentials: () => list(), ...handlers }));
  render(Credentials);
}

/** `set` or `unset`, as the field's badge shows it. */
const badge = (product: ProductKey, field: string) =>
  screen.getByTestId(`cred-status-${product}-${field}`).getAttribute('data-state');

/** Picks another environment in the page's selector. */
async function chooseEnvironment(environment: string) {
  const select = screen.getByTestId('cred-environment') as HTMLSelectElement;
  select.value = environment;
  await fireEvent.change(select);
}

/** The PEM textarea of DOKU's merchant key, once the page shows it. */
const privateKeyArea = async () =>
  (await screen.findByTestId('cred-input-doku_snap_ovo-merchant_private_key')) as HTMLTextAreaElement;

const PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
  'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
  '-----END PRIVATE KEY-----',
].join('\n');

describe('Credentials', () => {
  freshEachTest(invoke);
  beforeEach(() => {
    app.environment = 'provider_sandbox';
  });

  it('shows set / not set only, with empty password inputs', async () => {
    showCredentials(products);
    await screen.findByTestId('cred-status-ovo_snap-client_id');
    expect(badge('ovo_snap', 'client_id')).toBe('set');
    expect(badge('ovo_snap', 'client_secret')).toBe('unset');
    for (const field of ['client_id', 'client_secret']) {
      const el = screen.getByTestId(`cred-input-ovo_snap-${field}`) as HTMLInputElement;
      expect(el.type).toBe('password');
      expect(el.getAttribute('autocomplete')).toBe('off');
      expect(el.value).toBe('');
    }
    expect((screen.getByTestId('cred-delete-ovo_snap-client_secret') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('cred-environment') as HTMLSelectElement).value).toBe('provider_sandbox');
    expect(invoke).toHaveBeenCalledWith('list_credentials', { input: { environment: 'provider_sandbox' } });
  });

  it('saves a value, clears the input and flips the badge', async () => {
    showCredentials(products, { set_credential: () => ({ field: 'client_secret', isSet: true }) });
    const input = (await screen.findByTestId('cred-input-ovo_snap-client_secret')) as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'sup3r-s3cret' } });
    await fireEvent.click(screen.getByTestId('cred-save-ovo_snap-client_secret'));
    await waitFor(() => expect(badge('ovo_snap', 'client_secret')).toBe('set'));
    expect(invoke).toHaveBeenCalledWith('set_credential', {
      input: { environment: 'provider_sandbox', product: 'ovo_snap', field: 'client_secret', value: 'sup3r-s3cret' },
    });
    expect(input.value).toBe('');
    expect(document.body.innerHTML).not.toContain('sup3r-s3cret');
  });

  it('removes a value and reloads for another environment', async () => {
    showCredentials(products, { delete_credential: () => ({ field: 'client_id', isSet: false }) });
    await fireEvent.click(await screen.findByTestId('cred-delete-ovo_snap-client_id'));
    await waitFor(() => expect(badge('ovo_snap', 'client_id')).toBe('unset'));
    expect(invoke).toHaveBeenCalledWith('delete_credential', {
      input: { environment: 'provider_sandbox', product: 'ovo_snap', field: 'client_id' },
    });

    await chooseEnvironment('production');
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('list_credentials', { input: { environment: 'production' } }),
    );
  });

  it('uses a masked textarea for PEM keys and a password input for other fields', async () => {
    showCredentials(pemProducts);
    const plain = (await screen.findByTestId('cred-input-doku_snap_ovo-client_id')) as HTMLInputElement;
    expect(plain.tagName).toBe('INPUT');
    expect(plain.type).toBe('password');
    expect(plain.getAttribute('aria-describedby')).toBeNull();

    for (const field of ['merchant_private_key', 'provider_public_key']) {
      const el = screen.getByTestId(`cred-input-doku_snap_ovo-${field}`) as HTMLTextAreaElement;
      expect(el.tagName).toBe('TEXTAREA');
      expect(el.rows).toBe(4);
      expect(el.getAttribute('autocomplete')).toBe('off');
      expect(el.getAttribute('spellcheck')).toBe('false');
      expect(el.getAttribute('autocapitalize')).toBe('off');
      expect(el.classList.contains('pem')).toBe(true);
      expect(el.value).toBe('');
      const hint = document.getElementById(el.getAttribute('aria-describedby') ?? '');
      expect(hint?.textContent).toBe('Paste the whole PEM block, including the BEGIN and END lines.');
    }
    expect(screen.getAllByText('Paste the whole PEM block, including the BEGIN and END lines.')).toHaveLength(2);
  });

  it('shows the PEM hint in Indonesian', async () => {
    setCurrentLanguage('id');
    showCredentials(pemProducts);
    await screen.findByTestId('cred-input-doku_snap_ovo-merchant_private_key');
    expect(screen.getAllByText('Tempel seluruh blok PEM, termasuk baris BEGIN dan END.')).toHaveLength(2);
  });

  it('saves a multi-line PEM key unchanged and clears the textarea', async () => {
    showCredentials(pemProducts, { set_credential: () => ({ field: 'merchant_private_key', isSet: true }) });
    const area = await privateKeyArea();
    await fireEvent.input(area, { target: { value: PEM } });
    // Enter alone is a new line, not a save.
    await fireEvent.keyDown(area, { key: 'Enter' });
    expect(invoke).not.toHaveBeenCalledWith('set_credential', expect.anything());
    await fireEvent.click(screen.getByTestId('cred-save-doku_snap_ovo-merchant_private_key'));
    await waitFor(() => expect(badge('doku_snap_ovo', 'merchant_private_key')).toBe('set'));
    expect(invoke).toHaveBeenCalledWith('set_credential', {
      input: { environment: 'provider_sandbox', product: 'doku_snap_ovo', field: 'merchant_private_key', value: PEM },
    });
    expect(area.value).toBe('');
    expect(document.body.innerHTML).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw');
  });

  it('saves a PEM key with Ctrl+Enter and removes one', async () => {
    showCredentials(pemProducts, {
      set_credential: () => ({ field: 'merchant_private_key', isSet: true }),
      delete_credential: () => ({ field: 'provider_public_key', isSet: false }),
    });
    const area = await privateKeyArea();
    await fireEvent.input(area, { target: { value: PEM } });
    await fireEvent.keyDown(area, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(area.value).toBe(''));
    expect(invoke).toHaveBeenCalledWith('set_credential', {
      input: { environment: 'provider_sandbox', product: 'doku_snap_ovo', field: 'merchant_private_key', value: PEM },
    });

    await fireEvent.click(screen.getByTestId('cred-delete-doku_snap_ovo-provider_public_key'));
    await waitFor(() => expect(badge('doku_snap_ovo', 'provider_public_key')).toBe('unset'));
    expect(invoke).toHaveBeenCalledWith('delete_credential', {
      input: { environment: 'provider_sandbox', product: 'doku_snap_ovo', field: 'provider_public_key' },
    });
  });

  it.each([
    { input: 'a password input', list: products, product: 'ovo_snap', field: 'client_id', describedBy: 1 },
    { input: 'a PEM textarea', list: pemProducts, product: 'doku_snap_ovo', field: 'provider_public_key', describedBy: 2 },
  ])('refuses an empty value in $input inline and links the error to it', async ({ list, product, field, describedBy }) => {
    showCredentials(list);
    await fireEvent.click(await screen.findByTestId(`cred-save-${product}-${field}`));
    expect(await screen.findByText('Enter a value first.')).toBeTruthy();
    const input = screen.getByTestId(`cred-input-${product}-${field}`);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const ids = (input.getAttribute('aria-describedby') ?? '').split(' ');
    expect(ids).toHaveLength(describedBy);
    expect(document.getElementById(ids[describedBy - 1])?.textContent).toContain('Enter a value first.');
    expect(document.activeElement).toBe(input);
    expect(invoke).not.toHaveBeenCalledWith('set_credential', expect.anything());
  });

  it('tests the connection of a product in the chosen environment and shows the outcome in plain words', async () => {
    const answers = [
      {
        environment: 'provider_sandbox',
        product: 'ovo_snap',
        outcome: 'credentials_refused',
        providerCode: '4017300',
        detail: 'OVO SNAP refused our credentials: 4017300 Unauthorized',
        at: '2026-12-03T05:00:00Z',
      },
      {
        environment: 'provider_sandbox',
        product: 'ovo_snap',
        outcome: 'works',
        providerCode: null,
        detail: 'SNAP B2B access token: access token issued',
        at: '2026-12-03T05:01:00Z',
      },
    ];
    showCredentials(products, { test_connection: () => answers.shift() });
    const button = await screen.findByTestId('cred-test-ovo_snap');
    expect(button.textContent?.trim()).toBe('Test connection');
    await fireEvent.click(button);
    const refused = await screen.findByTestId('cred-test-result-ovo_snap');
    expect(refused.getAttribute('data-outcome')).toBe('credentials_refused');
    expect(refused.textContent).toContain('Credentials refused');
    expect(refused.textContent).toContain('provider code 4017300');
    expect(invoke).toHaveBeenCalledWith('test_connection', {
      input: { environment: 'provider_sandbox', product: 'ovo_snap' },
    });

    // In Indonesian, after the credentials were fixed.
    setCurrentLanguage('id');
    await fireEvent.click(screen.getByTestId('cred-test-ovo_snap'));
    await waitFor(() =>
      expect(screen.getByTestId('cred-test-result-ovo_snap').getAttribute('data-outcome')).toBe('works'),
    );
    const works = screen.getByTestId('cred-test-result-ovo_snap');
    expect(works.textContent).toContain('Berhasil');
    expect(works.textContent).toContain('Rincian: SNAP B2B access token');
    expect(screen.getByTestId('cred-test-ovo_snap').textContent?.trim()).toBe('Uji koneksi');
  });

  it('shows a certificate problem and clears the answer when the environment changes', async () => {
    showCredentials(products, {
      test_connection: () => ({
        environment: 'provider_sandbox',
        product: 'ovo_snap',
        outcome: 'certificate_not_trusted',
        providerCode: null,
        detail: 'the certificate of OVO SNAP is not trusted (expired); test_connection was not sent',
        at: '2026-12-03T05:00:00Z',
      }),
    });
    await fireEvent.click(await screen.findByTestId('cred-test-ovo_snap'));
    const shown = await screen.findByTestId('cred-test-result-ovo_snap');
    expect(shown.textContent).toContain('Certificate not trusted');
    expect(shown.textContent).toContain('nothing was sent');

    await chooseEnvironment('production');
    await waitFor(() => expect(screen.queryByTestId('cred-test-result-ovo_snap')).toBeNull());
  });

  it('says why a test could not be asked (not an admin)', async () => {
    showCredentials(products, { test_connection: refusal('forbidden', null, 'not allowed') });
    await fireEvent.click(await screen.findByTestId('cred-test-ovo_snap'));
    const shown = await screen.findByTestId('cred-test-result-ovo_snap');
    expect(shown.getAttribute('role')).toBe('alert');
    expect(shown.textContent?.trim()).not.toBe('');
  });
});
