import { describe, expect, it } from 'vitest';
import { settingProblem } from './providerSettings';
import type { ProviderSettingView } from './ipc/types';
import { providerSetting } from '../test/settings';

function setting(kind: string, overrides: Partial<ProviderSettingView> = {}): ProviderSettingView {
  return providerSetting('x', kind, '', overrides);
}

describe('settingProblem', () => {
  const host = setting('host', { required: true, defaultValue: 'https://api.doku.com' });

  it('accepts a host as scheme and host, https outside this computer', () => {
    expect(settingProblem(host, 'https://api.doku.com', 'production')).toBeNull();
    expect(settingProblem(host, 'https://api.doku.com:8443/', 'production')).toBeNull();
    expect(settingProblem(host, 'http://127.0.0.1:7700', 'provider_sandbox')).toBeNull();
    expect(settingProblem(host, 'http://localhost:7700', 'provider_sandbox')).toBeNull();
    expect(settingProblem(host, '', 'production')).toBeNull();
  });

  it('refuses a bad host with the same reasons as the back end', () => {
    expect(settingProblem(host, 'api.doku.com', 'production')).toBe('provider_setting_not_url');
    expect(settingProblem(host, 'ftp://api.doku.com', 'production')).toBe('provider_setting_not_url');
    expect(settingProblem(host, 'https://api doku.com', 'production')).toBe('provider_setting_not_url');
    expect(settingProblem(host, 'http://api.doku.com', 'production')).toBe('provider_setting_https_required');
    expect(settingProblem(host, 'http://127.0.0.1:7700', 'production')).toBe('provider_setting_https_required');
    expect(settingProblem(host, 'http://api-sandbox.doku.com', 'provider_sandbox')).toBe(
      'provider_setting_https_required',
    );
    expect(settingProblem(host, 'https://api.doku.com/snap', 'production')).toBe('provider_setting_host_has_path');
  });

  it('asks for a required value that has no documented one', () => {
    const name = setting('text', { required: true, maxChars: 10 });
    expect(settingProblem(name, '  ', 'production')).toBe('provider_setting_required');
    expect(settingProblem(name, 'Toko', 'production')).toBeNull();
    expect(settingProblem(name, 'Toko Maju Jaya', 'production')).toBe('provider_setting_too_long');
    expect(settingProblem(name, 'a\tb', 'production')).toBe('provider_setting_invalid_characters');
  });

  it('checks scales, versions, ids, paths and instructions', () => {
    const scale = setting('choice', { choices: [1, 100], defaultValue: '100', required: true });
    expect(settingProblem(scale, '100', 'production')).toBeNull();
    expect(settingProblem(scale, '10', 'production')).toBe('provider_setting_choice_not_allowed');
    const version = setting('version');
    expect(settingProblem(version, 'v3.0', 'production')).toBeNull();
    expect(settingProblem(version, '3.0', 'production')).toBe('provider_setting_version_invalid');
    expect(settingProblem(setting('alphanumeric'), 'TERM01', 'production')).toBeNull();
    expect(settingProblem(setting('alphanumeric'), 'term-01', 'production')).toBe('provider_setting_invalid_characters');
    expect(settingProblem(setting('token'), 'a b', 'production')).toBe('provider_setting_invalid_characters');
    const path = setting('path_or_url');
    expect(settingProblem(path, '/cvr/100037/10', 'production')).toBeNull();
    expect(settingProblem(path, '/cvr?x=1', 'production')).toBe('provider_setting_path_invalid');
    expect(settingProblem(path, 'http://web.faspay.co.id/cvr', 'production')).toBe('provider_setting_https_required');
    const text = setting('instructions', { maxChars: 4000 });
    expect(settingProblem(text, 'ATM\nStep one\nhttps://www.ovo.id/topup', 'production')).toBeNull();
    expect(settingProblem(text, 'ATM\nhttp://www.ovo.id/topup', 'production')).toBe('provider_setting_https_required');
    expect(settingProblem(setting('url'), 'http://shop.example/tz', 'production')).toBe('provider_setting_https_required');
  });
});
