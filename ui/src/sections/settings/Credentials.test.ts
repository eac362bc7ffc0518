import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import Credentials from './Credentials.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { app } from '../../lib/session.svelte';
import { fakeBackend, freshEachTest } from '../../test/fixtures';
import type { ProductCredentials } from '../../lib/ipc/types';

function products(): ProductCredentials[] {
  return [
    {
      product: 'ovo_snap',
      productName: 'OVO SNAP Open API',
      fields: [
        { field: 'client_id', isSet: true },
        { field: 'client_secret', isSet: false },
      ],
    },
  ];
}

const PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
  'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
  '-----END PRIVATE KEY-----',
].join('\n');

function pemProducts(): ProductCredentials[] {
  return [
    {
      product: 'doku_snap_ovo',
      productName: 'DOKU SNAP OVO',
      fields: [
        { field: 'client_id', isSet: true },
        { field: 'merchant_private_key', isSet: false },
        { field: 'provider_public_key', isSet: true },
      ],
    },
  ];
}

describe('Credentials', () => {
  freshEachTest(invoke);
  beforeEach(() => {
    app.environment = 'provider_sandbox';
  });

  it('shows set / not set only, with empty password inputs', async () => {
    invoke.mockImplementation(fakeBackend({ list_credentials: () => products() }));
    render(Credentials);
    const set = await screen.findByTestId('cred-status-ovo_snap-client_id');
    expect(set.getAttribute('data-state')).toBe('set');
    expect(screen.getByTestId('cred-status-ovo_snap-client_secret').getAttribute('data-state')).toBe('unset');
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
    invoke.mockImplementation(
      fakeBackend({
        list_credentials: () => products(),
        set_credential: () => ({ field: 'client_secret', isSet: true }),
      }),
    );
    render(Credentials);
    const input = (await screen.findByTestId('cred-input-ovo_snap-client_secret')) as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'sup3r-s3cret' } });
    await fireEvent.click(screen.getByTestId('cred-save-ovo_snap-client_secret'));
    await waitFor(() =>
      expect(screen.getByTestId('cred-status-ovo_snap-client_secret').getAttribute('data-state')).toBe('set'),
    );
    expect(invoke).toHaveBeenCalledWith('set_credential', {
      input: { environment: 'provider_sandbox', product: 'ovo_snap', field: 'client_secret', value: 'sup3r-s3cret' },
    });
    expect(input.value).toBe('');
    expect(document.body.innerHTML).not.toContain('sup3r-s3cret');
  });

  it('refuses an empty value inline', async () => {
    invoke.mockImplementation(fakeBackend({ list_credentials: () => products() }));
    render(Credentials);
    await fireEvent.click(await screen.findByTestId('cred-save-ovo_snap-client_id'));
    expect(await screen.findByText('Enter a value first.')).toBeTruthy();
    expect(invoke).not.toHaveBeenCalledWith('set_credential', expect.anything());
  });

  it('removes a value and reloads for another environment', async () => {
    invoke.mockImplementation(
      fakeBackend({
        list_credentials: () => products(),
        delete_credential: () => ({ field: 'client_id', isSet: false }),
      }),
    );
    render(Credentials);
    await fireEvent.click(await screen.findByTestId('cred-delete-ovo_snap-client_id'));
    await waitFor(() =>
      expect(screen.getByTestId('cred-status-ovo_snap-client_id').getAttribute('data-state')).toBe('unset'),
    );
    expect(invoke).toHaveBeenCalledWith('delete_credential', {
      input: { environment: 'provider_sandbox', product: 'ovo_snap', field: 'client_id' },
    });

    const select = screen.getByTestId('cred-environment') as HTMLSelectElement;
    select.value = 'production';
    await fireEvent.change(select);
    await waitFor(() =>
      expect(invoke).toHaveBeenCalledWith('list_credentials', { input: { environment: 'production' } }),
    );
  });

  it('uses a masked textarea for PEM keys and a password input for other fields', async () => {
    invoke.mockImplementation(fakeBackend({ list_credentials: () => pemProducts() }));
    render(Credentials);
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
    invoke.mockImplementation(fakeBackend({ list_credentials: () => pemProducts() }));
    render(Credentials);
    await screen.findByTestId('cred-input-doku_snap_ovo-merchant_private_key');
    expect(screen.getAllByText('Tempel seluruh blok PEM, termasuk baris BEGIN dan END.')).toHaveLength(2);
  });

  it('saves a multi-line PEM key unchanged and clears the textarea', async () => {
    invoke.mockImplementation(
      fakeBackend({
        list_credentials: () => pemProducts(),
        set_credential: () => ({ field: 'merchant_private_key', isSet: true }),
      }),
    );
    render(Credentials);
    const area = (await screen.findByTestId(
      'cred-input-doku_snap_ovo-merchant_private_key',
    )) as HTMLTextAreaElement;
    await fireEvent.input(area, { target: { value: PEM } });
    // Enter alone is a new line, not a save.
    await fireEvent.keyDown(area, { key: 'Enter' });
    expect(invoke).not.toHaveBeenCalledWith('set_credential', expect.anything());
    await fireEvent.click(screen.getByTestId('cred-save-doku_snap_ovo-merchant_private_key'));
    await waitFor(() =>
      expect(screen.getByTestId('cred-status-doku_snap_ovo-merchant_private_key').getAttribute('data-state')).toBe(
        'set',
      ),
    );
    expect(invoke).toHaveBeenCalledWith('set_credential', {
      input: { environment: 'provider_sandbox', product: 'doku_snap_ovo', field: 'merchant_private_key', value: PEM },
    });
    expect(area.value).toBe('');
    expect(document.body.innerHTML).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw');
  });

  it('saves a PEM key with Ctrl+Enter and removes one', async () => {
    invoke.mockImplementation(
      fakeBackend({
        list_credentials: () => pemProducts(),
        set_credential: () => ({ field: 'merchant_private_key', isSet: true }),
        delete_credential: () => ({ field: 'provider_public_key', isSet: false }),
      }),
    );
    render(Credentials);
    const area = (await screen.findByTestId(
      'cred-input-doku_snap_ovo-merchant_private_key',
    )) as HTMLTextAreaElement;
    await fireEvent.input(area, { target: { value: PEM } });
    await fireEvent.keyDown(area, { key: 'Enter', ctrlKey: true });
    await waitFor(() => expect(area.value).toBe(''));
    expect(invoke).toHaveBeenCalledWith('set_credential', {
      input: { environment: 'provider_sandbox', product: 'doku_snap_ovo', field: 'merchant_private_key', value: PEM },
    });

    await fireEvent.click(screen.getByTestId('cred-delete-doku_snap_ovo-provider_public_key'));
    await waitFor(() =>
      expect(screen.getByTestId('cred-status-doku_snap_ovo-provider_public_key').getAttribute('data-state')).toBe(
        'unset',
      ),
    );
    expect(invoke).toHaveBeenCalledWith('delete_credential', {
      input: { environment: 'provider_sandbox', product: 'doku_snap_ovo', field: 'provider_public_key' },
    });
  });

  it('refuses an empty PEM key inline and links the error to the textarea', async () => {
    invoke.mockImplementation(fakeBackend({ list_credentials: () => pemProducts() }));
    render(Credentials);
    await fireEvent.click(await screen.findByTestId('cred-save-doku_snap_ovo-provider_public_key'));
    expect(await screen.findByText('Enter a value first.')).toBeTruthy();
    const area = screen.getByTestId('cred-input-doku_snap_ovo-provider_public_key');
    expect(area.getAttribute('aria-invalid')).toBe('true');
    const ids = (area.getAttribute('aria-describedby') ?? '').split(' ');
    expect(ids).toHaveLength(2);
    expect(document.getElementById(ids[1])?.textContent).toContain('Enter a value first.');
    expect(document.activeElement).toBe(area);
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
    invoke.mockImplementation(
      fakeBackend({ list_credentials: () => products(), test_connection: () => answers.shift() }),
    );
    render(Credentials);
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
    invoke.mockImplementation(
      fakeBackend({
        list_credentials: () => products(),
        test_connection: () => ({
          environment: 'provider_sandbox',
          product: 'ovo_snap',
          outcome: 'certificate_not_trusted',
          providerCode: null,
          detail: 'the certificate of OVO SNAP is not trusted (expired); test_connection was not sent',
          at: '2026-12-03T05:00:00Z',
        }),
      }),
    );
    render(Credentials);
    await fireEvent.click(await screen.findByTestId('cred-test-ovo_snap'));
    const shown = await screen.findByTestId('cred-test-result-ovo_snap');
    expect(shown.textContent).toContain('Certificate not trusted');
    expect(shown.textContent).toContain('nothing was sent');

    const select = screen.getByTestId('cred-environment') as HTMLSelectElement;
    select.value = 'production';
    await fireEvent.change(select);
    await waitFor(() => expect(screen.queryByTestId('cred-test-result-ovo_snap')).toBeNull());
  });

  it('says why a test could not be asked (not an admin)', async () => {
    invoke.mockImplementation(
      fakeBackend({
        list_credentials: () => products(),
        test_connection: () => {
          throw { code: 'forbidden', message: 'not allowed', reason: null };
        },
      }),
    );
    render(Credentials);
    await fireEvent.click(await screen.findByTestId('cred-test-ovo_snap'));
    const shown = await screen.findByTestId('cred-test-result-ovo_snap');
    expect(shown.getAttribute('role')).toBe('alert');
    expect(shown.textContent?.trim()).not.toBe('');
  });
});
