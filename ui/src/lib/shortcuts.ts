// Keyboard shortcuts of the signed-in shell: which key does what, when a key is left to the page, and the list
// the help overlay shows. Shell.svelte listens and acts.

import type { Section } from './nav';

export type Shortcut = { kind: 'search' } | { kind: 'section'; index: number } | { kind: 'help' };

export type Keys = Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'altKey'>;

/** What the page is doing when a key is pressed. */
export type KeyContext = {
  /** Focus is in a text field, select or editable element. */
  typing: boolean;
  /** A modal dialog (or the help itself) is open. */
  dialogOpen: boolean;
};

/** Alt+1…Alt+9 open the sections in navigation order. */
export const MAX_SECTION_KEYS = 9;

/** The digit 1–9 of a key, by the character or, where Alt changes the character, by the physical key. */
function digit({ key, code }: Keys): number | null {
  const found = /^[1-9]$/.test(key) ? key : /^(?:Digit|Numpad)([1-9])$/.exec(code ?? '')?.[1];
  return found ? Number(found) : null;
}

/** The shortcut a key press means, whatever the page is doing. */
export function shortcutOf(keys: Keys): Shortcut | null {
  const command = keys.ctrlKey || keys.metaKey;
  if (command && !keys.altKey && keys.key.toLowerCase() === 'k') return { kind: 'search' };
  if (keys.altKey && !command) {
    const n = digit(keys);
    return n ? { kind: 'section', index: n - 1 } : null;
  }
  if (command || keys.altKey) return null;
  if (keys.key === '/') return { kind: 'search' };
  if (keys.key === '?') return { kind: 'help' };
  return null;
}

/** A shortcut of one key without Ctrl or Alt: it is text while the operator types. */
export function isSingleKey(keys: Keys): boolean {
  return !keys.ctrlKey && !keys.metaKey && !keys.altKey;
}

/**
 * The shortcut to run for a key press, or null to leave the key to the page: nothing while a dialog is open
 * (it has the keyboard: Escape closes it), and no single-key shortcut while the operator types.
 */
export function shortcutToRun(keys: Keys, context: KeyContext): Shortcut | null {
  if (context.dialogOpen) return null;
  const shortcut = shortcutOf(keys);
  if (!shortcut || (context.typing && isSingleKey(keys))) return null;
  return shortcut;
}

const NOT_TYPED = new Set(['button', 'checkbox', 'radio', 'range', 'color', 'file', 'image', 'reset', 'submit']);

/** Whether keys pressed in `target` are typed into it. */
export function isTypingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest('[contenteditable]:not([contenteditable="false"])')) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !NOT_TYPED.has(target.type);
}

/** Whether a modal dialog is open in `root`. */
export function isDialogOpen(root: ParentNode): boolean {
  return root.querySelector('[role="dialog"][aria-modal="true"], [role="alertdialog"]') !== null;
}

/** The section's own search field in `root`: the first search input shown (not inside a hidden page). */
export function searchFieldIn(root: ParentNode): HTMLInputElement | null {
  const fields = root.querySelectorAll<HTMLInputElement>('input[type="search"]');
  return Array.from(fields).find((field) => !field.closest('[hidden]') && !field.disabled) ?? null;
}

/** The section opened by Alt+`n` (1-based), among the sections the operator may see. */
export function sectionForKey(sections: readonly Section[], index: number): Section | null {
  return index >= 0 && index < MAX_SECTION_KEYS ? (sections[index] ?? null) : null;
}

/** A row of the help: alternative key combinations (each the keys pressed together), and what they do. */
export type HelpRow = { keys: string[][] } & (
  | { text: 'shortcuts.search' | 'shortcuts.help' | 'shortcuts.close' }
  | { text: 'shortcuts.section'; section: Section }
);

/** The rows of the help overlay, for the sections the operator may see. */
export function helpRows(sections: readonly Section[]): HelpRow[] {
  return [
    { keys: [['Ctrl', 'K'], ['/']], text: 'shortcuts.search' },
    ...sections.slice(0, MAX_SECTION_KEYS).map(
      (section, i): HelpRow => ({ keys: [['Alt', String(i + 1)]], text: 'shortcuts.section', section }),
    ),
    { keys: [['?']], text: 'shortcuts.help' },
    { keys: [['Esc']], text: 'shortcuts.close' },
  ];
}
