// Pure translation helpers (no Svelte state), shared by the reactive `t` and by tests.

import type { LanguageKey } from '../ipc/types';
import { en, type Dictionary, type MessageKey } from './en';
import { id } from './id';

export type { MessageKey } from './en';

export const dictionaries: Record<LanguageKey, Dictionary> = { en, id };

export const LANGUAGES: readonly LanguageKey[] = ['id', 'en'];

/** Each language is named in itself, so people can find their own whatever the current language. */
export const LANGUAGE_NAMES: Record<LanguageKey, string> = {
  id: 'Bahasa Indonesia',
  en: 'English',
};

/** The `{name}` placeholders of an English message, as a union of names. */
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}`
  ? P | Placeholders<Rest>
  : never;

export type ParamValue = string | number;

/** `t('key')` for messages without placeholders, `t('key', { a, b })` when the message has {a} and {b}. */
export type ParamArgs<K extends MessageKey> = [Placeholders<(typeof en)[K]>] extends [never]
  ? []
  : [params: Record<Placeholders<(typeof en)[K]>, ParamValue>];

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

export function interpolate(template: string, params?: Record<string, ParamValue>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

export function translate<K extends MessageKey>(
  language: LanguageKey,
  key: K,
  ...args: ParamArgs<K>
): string {
  const params = args[0] as Record<string, ParamValue> | undefined;
  return interpolate(dictionaries[language][key] ?? en[key], params);
}

/** Looks up a key built at run time (e.g. from an audit action); returns `null` when there is none. */
export function translateDynamic(language: LanguageKey, key: string): string | null {
  return isMessageKey(key) ? dictionaries[language][key] : null;
}
