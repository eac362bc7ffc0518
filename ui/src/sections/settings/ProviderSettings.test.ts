import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';

const invoke = vi.hoisted(() => vi.fn());
vi.mock('@tauri-apps/api/core', () => ({ invoke }));

import ProviderSettings from './ProviderSettings.svelte';
import { setCurrentLanguage } from '../../lib/i18n/i18n.svelte';
import { refusal } from '../../test/answers';
import { fakeBackend, freshEachTest } from '../../test/fixtures';
import { providerSetting as view } from '../../test/settings';
import type { EnvironmentKey, ProductProviderSettings, SaveProviderSettingsInput } from '../../lib/ipc/types';

function faspay(environment: EnvironmentKey): ProductProviderSettings {
  const production = environment === 'production';
  const host = production ? '' : 'https://debit-sandbox.faspay.co.id';
  return {
    environment,
    product: 'faspay_ovo_tokenize',
    productName: 'Faspay OVO Tokenize',
    settings: [
      view('host', 'host', host, { required: true }),
      view('merchant_name', 'text', '', { required: true, maxChars: 100 }),
      view('amount_scale', 'choice', '100', { required: true, choices: [1, 100] }),
      view('url_payment', 'path_or_url', '/cvr/100037/10', { required: true, advanced: true }),
    ],
    missing: production ? ['host', 'merchant_name'] : ['merchant_name'],
  };
}

const OVO: ProductProviderSettings = {
  environment: 'provider_sandbox',
  product: 'ovo_snap',
  productName: 'OVO SNAP',
  settings: [
    view('host', 'host', 'https://app.byte-stack.net', { required: true }),
    view('version', 'version', 'v3.0', { required: true, defaultValue: 'v2.0', overridden: true }),
    view('top_up_text_en', 'instructions', '', { maxChars: 4000 }),
  ],
  missing: [],
};

describe('ProviderSettings', () => {
  freshEachTest(invoke);

  it('shows each product per environment with its documented values, and saves what was typed', async () => {
    invoke.mockImplementation(
      fakeBackend({
        list_provider_settings: (args) => {
          const { environment } = (args as { input: { environment: EnvironmentKey } }).input;
          return environment === 'production' ? [faspay('production')] : [faspay('provider_sandbox'), OVO];
        },
        save_provider_settings: (args) => {
          const input = (args as { input: SaveProviderSettingsInput }).input;
          const saved = faspay('production');
          saved.settings = saved.settings.map((s) => ({ ...s, value: input.values[s.key] ?? s.value, overridden: true }));
          saved.missing = [];
          return saved;
        },
      }),
    );
    render(ProviderSettings);
    const card = await screen.findByTestId('provsettings-faspay_ovo_tokenize');
    expect(within(card).getByTestId('provsettings-missing-faspay_ovo_tokenize').textContent).toContain('Merchant name');
    expect(within(screen.getByTestId('provsetting-ovo_snap-version')).getByText(/Documented value: v2.0/)).toBeTruthy();
    // Only the configurable environments are offered.
    const env = screen.getByTestId('provsettings-environment') as HTMLSelectElement;
    expect([...env.options].map((o) => o.value)).toEqual(['provider_sandbox', 'production']);

    await fireEvent.change(env, { target: { value: 'production' } });
    await waitFor(() => expect(screen.queryByTestId('provsettings-ovo_snap')).toBeNull());
    expect(screen.getByTestId('provsettings-missing-faspay_ovo_tokenize').textContent).toContain('Host address');
    await fireEvent.input(screen.getByTestId('provsetting-input-faspay_ovo_tokenize-host'), {
      target: { value: 'https://web.faspay.co.id' },
    });
    await fireEvent.input(screen.getByTestId('provsetting-input-faspay_ovo_tokenize-merchant_name'), {
      target: { value: 'Toko Maju' },
    });
    await fireEvent.change(screen.getByTestId('provsetting-input-faspay_ovo_tokenize-amount_scale'), {
      target: { value: '1' },
    });
    await fireEvent.click(screen.getByTestId('provsettings-save-faspay_ovo_tokenize'));
    await waitFor(() => expect(screen.queryByTestId('provsettings-missing-faspay_ovo_tokenize')).toBeNull());
    expect(invoke).toHaveBeenCalledWith('save_provider_settings', {
      input: {
        environment: 'production',
        product: 'faspay_ovo_tokenize',
        values: {
          host: 'https://web.faspay.co.id',
          merchant_name: 'Toko Maju',
          amount_scale: '1',
          url_payment: '/cvr/100037/10',
        },
      },
    });
  });

  it('explains each bad field beside it, in both languages, and sends nothing', async () => {
    invoke.mockImplementation(fakeBackend({ list_provider_settings: () => [faspay('production')] }));
    render(ProviderSettings);
    await screen.findByTestId('provsettings-faspay_ovo_tokenize');
    await fireEvent.input(screen.getByTestId('provsetting-input-faspay_ovo_tokenize-host'), {
      target: { value: 'http://web.faspay.co.id' },
    });
    await fireEvent.input(screen.getByTestId('provsetting-input-faspay_ovo_tokenize-url_payment'), {
      target: { value: '/cvr/1 0' },
    });
    await fireEvent.click(screen.getByTestId('provsettings-save-faspay_ovo_tokenize'));
    expect(screen.getByTestId('provsetting-error-faspay_ovo_tokenize-host').textContent).toContain('Only https://');
    expect(screen.getByTestId('provsetting-error-faspay_ovo_tokenize-merchant_name').textContent).toContain(
      'no documented value',
    );
    expect(screen.getByTestId('provsetting-error-faspay_ovo_tokenize-url_payment').textContent).toContain('/cvr/100037/10');
    expect(
      screen.getByTestId('provsetting-input-faspay_ovo_tokenize-host').getAttribute('aria-invalid'),
    ).toBe('true');
    expect(invoke).not.toHaveBeenCalledWith('save_provider_settings', expect.anything());
    setCurrentLanguage('id');
    await waitFor(() =>
      expect(screen.getByTestId('provsetting-error-faspay_ovo_tokenize-host').textContent).toContain(
        'hanya alamat https://',
      ),
    );
  });

  it('shows the back end’s refusal, fills a documented value and resets to the documented values', async () => {
    invoke.mockImplementation(
      fakeBackend({
        list_provider_settings: () => [OVO],
        save_provider_settings: refusal('invalid_input', 'provider_setting_version_invalid', 'bad'),
        reset_provider_settings: () => ({
          ...OVO,
          settings: OVO.settings.map((s) => ({ ...s, value: s.defaultValue ?? '', overridden: false })),
        }),
      }),
    );
    render(ProviderSettings);
    await screen.findByTestId('provsettings-ovo_snap');
    await fireEvent.click(screen.getByTestId('provsettings-save-ovo_snap'));
    expect((await screen.findByTestId('provsettings-save-error-ovo_snap')).textContent).toContain('such as v2.0');

    const version = screen.getByTestId('provsetting-input-ovo_snap-version') as HTMLInputElement;
    expect(version.value).toBe('v3.0');
    await fireEvent.click(screen.getByTestId('provsetting-default-ovo_snap-version'));
    expect(version.value).toBe('v2.0');
    expect(screen.queryByTestId('provsetting-default-ovo_snap-version')).toBeNull();

    await fireEvent.click(screen.getByTestId('provsettings-reset-ovo_snap'));
    await fireEvent.click(screen.getByTestId('provsettings-reset-confirm'));
    await waitFor(() => expect(screen.queryByTestId('provsettings-reset-ovo_snap')).toBeNull());
    expect(invoke).toHaveBeenCalledWith('reset_provider_settings', {
      input: { environment: 'provider_sandbox', product: 'ovo_snap' },
    });
  });
});
