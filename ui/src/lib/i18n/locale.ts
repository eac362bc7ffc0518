import type { AppInfo, LanguageKey } from '../ipc/types';

/** `id`, `id-ID`, `id_ID.UTF-8`, and the legacy code `in-ID` are Indonesian; anything else is English. */
export function languageFromLocale(locale: string | null | undefined): LanguageKey {
  const value = (locale ?? '').trim().toLowerCase();
  return /^(id|in)([-_.@]|$)/.test(value) ? 'id' : 'en';
}

/** The saved choice wins; without one, the OS locale decides. */
export function defaultLanguage(info: Pick<AppInfo, 'language' | 'osLocale'>): LanguageKey {
  return info.language ?? languageFromLocale(info.osLocale);
}
