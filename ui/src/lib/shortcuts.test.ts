import { describe, expect, it } from 'vitest';
import { visibleSections } from './nav';
import { ADMIN_PERMISSIONS } from '../test/fixtures';
import {
  helpRows,
  isDialogOpen,
  isTypingIn,
  searchFieldIn,
  sectionForKey,
  shortcutOf,
  shortcutToRun,
  type Keys,
} from './shortcuts';

const key = (k: string, extra: Partial<Keys> = {}): Keys => ({
  key: k,
  code: '',
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...extra,
});

const IDLE = { typing: false, dialogOpen: false };
const TYPING = { typing: true, dialogOpen: false };
const DIALOG = { typing: false, dialogOpen: true };

describe('shortcutOf', () => {
  it('reads Ctrl+K (and Cmd+K) and "/" as search', () => {
    expect(shortcutOf(key('k', { ctrlKey: true }))).toEqual({ kind: 'search' });
    expect(shortcutOf(key('K', { ctrlKey: true }))).toEqual({ kind: 'search' });
    expect(shortcutOf(key('k', { metaKey: true }))).toEqual({ kind: 'search' });
    expect(shortcutOf(key('/'))).toEqual({ kind: 'search' });
    expect(shortcutOf(key('k'))).toBeNull();
    expect(shortcutOf(key('k', { ctrlKey: true, altKey: true }))).toBeNull();
  });

  it('reads "?" as help', () => {
    expect(shortcutOf(key('?'))).toEqual({ kind: 'help' });
    expect(shortcutOf(key('?', { ctrlKey: true }))).toBeNull();
  });

  it('reads Alt+1…Alt+9 as the sections, by character or by physical key', () => {
    expect(shortcutOf(key('1', { altKey: true }))).toEqual({ kind: 'section', index: 0 });
    expect(shortcutOf(key('9', { altKey: true }))).toEqual({ kind: 'section', index: 8 });
    expect(shortcutOf(key('¡', { altKey: true, code: 'Digit1' }))).toEqual({ kind: 'section', index: 0 });
    expect(shortcutOf(key('3', { altKey: true, code: 'Numpad3' }))).toEqual({ kind: 'section', index: 2 });
    expect(shortcutOf(key('0', { altKey: true }))).toBeNull();
    expect(shortcutOf(key('1'))).toBeNull();
    expect(shortcutOf(key('1', { altKey: true, ctrlKey: true }))).toBeNull();
  });

  it('ignores every other key', () => {
    for (const k of ['a', 'Enter', 'Escape', 'Tab', ' ']) expect(shortcutOf(key(k))).toBeNull();
  });
});

describe('shortcutToRun', () => {
  it('runs every shortcut while the operator is not typing', () => {
    expect(shortcutToRun(key('/'), IDLE)).toEqual({ kind: 'search' });
    expect(shortcutToRun(key('?'), IDLE)).toEqual({ kind: 'help' });
    expect(shortcutToRun(key('k', { ctrlKey: true }), IDLE)).toEqual({ kind: 'search' });
    expect(shortcutToRun(key('2', { altKey: true }), IDLE)).toEqual({ kind: 'section', index: 1 });
  });

  it('leaves "/" and "?" to a field the operator types in, but not Ctrl+K or Alt+digit', () => {
    expect(shortcutToRun(key('/'), TYPING)).toBeNull();
    expect(shortcutToRun(key('?'), TYPING)).toBeNull();
    expect(shortcutToRun(key('k', { ctrlKey: true }), TYPING)).toEqual({ kind: 'search' });
    expect(shortcutToRun(key('2', { altKey: true }), TYPING)).toEqual({ kind: 'section', index: 1 });
  });

  it('runs nothing while a dialog is open', () => {
    for (const keys of [key('/'), key('?'), key('k', { ctrlKey: true }), key('1', { altKey: true })]) {
      expect(shortcutToRun(keys, DIALOG)).toBeNull();
    }
  });
});

describe('isTypingIn', () => {
  const make = (html: string) => {
    const host = document.createElement('div');
    host.innerHTML = html;
    document.body.append(host);
    return host.firstElementChild as HTMLElement;
  };

  it('is true in text inputs, textareas, selects and editable elements', () => {
    expect(isTypingIn(make('<input type="text">'))).toBe(true);
    expect(isTypingIn(make('<input type="search">'))).toBe(true);
    expect(isTypingIn(make('<input>'))).toBe(true);
    expect(isTypingIn(make('<textarea></textarea>'))).toBe(true);
    expect(isTypingIn(make('<select><option>a</option></select>'))).toBe(true);
    expect(isTypingIn(make('<div contenteditable="true"><span>x</span></div>').firstElementChild)).toBe(true);
  });

  it('is false on buttons, checkboxes, the page and nothing', () => {
    expect(isTypingIn(make('<button>go</button>'))).toBe(false);
    expect(isTypingIn(make('<input type="checkbox">'))).toBe(false);
    expect(isTypingIn(make('<div contenteditable="false">x</div>'))).toBe(false);
    expect(isTypingIn(document.body)).toBe(false);
    expect(isTypingIn(null)).toBe(false);
  });
});

describe('the page around a shortcut', () => {
  it('sees an open modal dialog', () => {
    const root = document.createElement('div');
    expect(isDialogOpen(root)).toBe(false);
    root.innerHTML = '<div role="dialog" aria-modal="true"></div>';
    expect(isDialogOpen(root)).toBe(true);
  });

  it('finds the first search field shown, not one on a hidden page', () => {
    const root = document.createElement('div');
    root.innerHTML =
      '<div hidden><input type="search" id="a"></div><input type="text" id="b"><input type="search" id="c">';
    expect(searchFieldIn(root)?.id).toBe('c');
    root.querySelector('#c')?.remove();
    expect(searchFieldIn(root)).toBeNull();
  });
});

describe('sections by number', () => {
  it('counts only the sections the role may see, in navigation order', () => {
    const staff = visibleSections(['view_customers', 'view_payments']);
    expect(staff).toEqual(['customers', 'payments', 'refunds', 'settings']);
    expect(sectionForKey(staff, 0)).toBe('customers');
    expect(sectionForKey(staff, 3)).toBe('settings');
    expect(sectionForKey(staff, 4)).toBeNull();
    const admin = visibleSections(ADMIN_PERMISSIONS);
    expect(sectionForKey(admin, 0)).toBe(admin[0]);
    expect(sectionForKey(admin, 9)).toBeNull();
  });

  it('lists in the help every shortcut with the sections the role may see', () => {
    const rows = helpRows(['customers', 'payments', 'settings']);
    expect(rows.map((r) => r.keys.map((c) => c.join('+')).join(' | '))).toEqual([
      'Ctrl+K | /',
      'Alt+1',
      'Alt+2',
      'Alt+3',
      '?',
      'Esc',
    ]);
    expect(rows.filter((r) => r.text === 'shortcuts.section').map((r) => 'section' in r && r.section)).toEqual([
      'customers',
      'payments',
      'settings',
    ]);
  });
});
