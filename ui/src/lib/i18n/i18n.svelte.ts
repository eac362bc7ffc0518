// The current language as Svelte state: every `t(...)` read in a template re-renders when it changes.

import type { LanguageKey } from '../ipc/types';
import { translate, translateDynamic, type MessageKey, type ParamArgs } from './translate';

const state = $state<{ language: LanguageKey }>({ language: 'en' });

export function currentLanguage(): LanguageKey {
  return state.language;
}

export function setCurrentLanguage(language: LanguageKey): void {
  state.language = language;
  if (typeof document !== 'undefined') document.documentElement.lang = language;
}

export function t<K extends MessageKey>(key: K, ...args: ParamArgs<K>): string {
  return translate(state.language, key, ...args);
}

/** A run-time key (`prefix` + `value`), or `value` itself when the dictionary has no such key. */
export function tOr(prefix: string, value: string): string {
  return translateDynamic(state.language, prefix + value) ?? value;
}

/** BCP 47 tag for Intl formatting in the current language. */
export function intlLocale(language: LanguageKey = state.language): string {
  return language === 'id' ? 'id-ID' : 'en-GB';
}
