// Provider settings in the form: the same checks the back end makes (it stays the authority), so each field
// can say what is wrong beside it, in the reader's language.

import type { EnvironmentKey, ProviderSettingView } from './ipc/types';

/** The environments an admin configures; the built-in sandbox's settings are fixed. */
export const CONFIGURABLE_ENVIRONMENTS: readonly EnvironmentKey[] = ['provider_sandbox', 'production'];

/** Every reason the back end gives for a refused provider setting (for the dictionaries' completeness test). */
export const PROVIDER_SETTING_REASONS = [
  'provider_setting_required',
  'provider_setting_not_url',
  'provider_setting_https_required',
  'provider_setting_host_has_path',
  'provider_setting_path_invalid',
  'provider_setting_choice_not_allowed',
  'provider_setting_version_invalid',
  'provider_setting_invalid_characters',
  'provider_setting_too_long',
  'provider_setting_unknown',
  'provider_settings_builtin',
] as const;

/** Every setting key and kind the back end sends (for the dictionaries' completeness test). */
export const PROVIDER_SETTING_KEYS = [
  'host',
  'device_id',
  'webhook_url',
  'merchant_name',
  'amount_scale',
  'url_activation',
  'url_payment',
  'url_topup',
  'url_balance',
  'url_history',
  'url_unlink',
  'url_status',
  'url_cancel',
  'version',
  'b2b_token_version',
  'channel_id',
  'top_up_text_id',
  'top_up_text_en',
] as const;
export const PROVIDER_SETTING_KINDS = [
  'host',
  'url',
  'path_or_url',
  'text',
  'alphanumeric',
  'token',
  'version',
  'choice',
  'instructions',
] as const;

export type ProviderSettingReason = (typeof PROVIDER_SETTING_REASONS)[number];

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare.toLowerCase() === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare) || bare === '::1';
}

/** An absolute web address, and https where the environment asks for it. */
function webUrlProblem(value: string, environment: EnvironmentKey): ProviderSettingReason | null {
  if (/\s/.test(value)) return 'provider_setting_not_url';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'provider_setting_not_url';
  }
  if (!['http:', 'https:'].includes(url.protocol) || !url.hostname || url.username || url.password || url.hash) {
    return 'provider_setting_not_url';
  }
  if (url.protocol === 'http:') {
    if (environment === 'production') return 'provider_setting_https_required';
    if (environment === 'provider_sandbox' && !isLoopback(url.hostname)) return 'provider_setting_https_required';
  }
  return null;
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/** What is wrong with `raw` for this setting, or null. Empty means "the documented value". */
export function settingProblem(
  setting: ProviderSettingView,
  raw: string,
  environment: EnvironmentKey,
): ProviderSettingReason | null {
  const value = raw.trim();
  if (value === '') return setting.required && setting.defaultValue === null ? 'provider_setting_required' : null;
  const tooLong = setting.maxChars !== null && [...value].length > setting.maxChars;
  switch (setting.kind) {
    case 'host': {
      const problem = webUrlProblem(value, environment);
      if (problem) return problem;
      const url = new URL(value);
      return url.pathname !== '/' || url.search ? 'provider_setting_host_has_path' : null;
    }
    case 'url':
      return webUrlProblem(value, environment);
    case 'path_or_url':
      if (value.startsWith('/')) {
        return value.startsWith('//') || /[\s?#]/.test(value) || CONTROL.test(value) ? 'provider_setting_path_invalid' : null;
      }
      return webUrlProblem(value, environment);
    case 'text':
      if (CONTROL.test(value)) return 'provider_setting_invalid_characters';
      return tooLong ? 'provider_setting_too_long' : null;
    case 'alphanumeric':
      if (!/^[A-Za-z0-9]+$/.test(value)) return 'provider_setting_invalid_characters';
      return tooLong ? 'provider_setting_too_long' : null;
    case 'token':
      if (!/^[\x21-\x7e]+$/.test(value)) return 'provider_setting_invalid_characters';
      return tooLong ? 'provider_setting_too_long' : null;
    case 'version':
      return /^v\d{1,3}\.\d{1,3}$/.test(value) ? null : 'provider_setting_version_invalid';
    case 'choice':
      return /^-?\d+$/.test(value) && setting.choices.includes(Number(value)) ? null : 'provider_setting_choice_not_allowed';
    case 'instructions': {
      if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(value.replace(/\r\n?/g, '\n'))) {
        return 'provider_setting_invalid_characters';
      }
      if (tooLong) return 'provider_setting_too_long';
      for (const line of value.split(/\r?\n/).map((l) => l.trim())) {
        if (line.startsWith('http://')) return 'provider_setting_https_required';
        if (line.startsWith('https://') && webUrlProblem(line, 'production')) return 'provider_setting_not_url';
      }
      return null;
    }
    default:
      return null;
  }
}

/** The value the form starts with: the one in force. */
export function initialValues(settings: readonly ProviderSettingView[]): Record<string, string> {
  return Object.fromEntries(settings.map((s) => [s.key, s.value]));
}
