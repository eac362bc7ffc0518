// Keeps Tab and Shift+Tab inside a dialog: from its last control to its first and back.

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(', ');

/** The controls inside `root` that Tab reaches, in document order. */
export function tabStops(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => !el.closest('[hidden], [inert]') && (el.checkVisibility?.() ?? true),
  );
}

/** On a Tab keydown inside `root`: wraps focus at either end (the browser moves it everywhere else). */
export function trapTab(event: KeyboardEvent, root: HTMLElement): void {
  if (event.key !== 'Tab' || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  const stops = tabStops(root);
  const active = document.activeElement;
  if (stops.length === 0) {
    event.preventDefault();
    return;
  }
  const first = stops[0];
  const last = stops[stops.length - 1];
  const outside = !(active instanceof HTMLElement) || !stops.includes(active);
  if (event.shiftKey ? active === first || outside : active === last || outside) {
    event.preventDefault();
    // A control hidden by a style takes no focus: then the next one does.
    for (const stop of event.shiftKey ? stops.reverse() : stops) {
      stop.focus();
      if (document.activeElement === stop) break;
    }
  }
}
