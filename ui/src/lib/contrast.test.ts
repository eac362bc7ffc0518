// @vitest-environment node
// (Node, not jsdom: the test reads src/app.css from disk.)
//
// WCAG 2.x AA contrast of both palettes in app.css (light in :root, dark in the prefers-color-scheme block):
// 4.5:1 for text, 3:1 for input borders, focus rings and other graphics the operator must see.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CSS = readFileSync(fileURLToPath(new URL('../app.css', import.meta.url).href), 'utf8');

type Rgba = { r: number; g: number; b: number; a: number };
type Palette = Record<string, string>;

/** The custom properties declared in a block's own body (nested blocks excluded). */
function declarations(block: string): Palette {
  const vars: Palette = {};
  for (const match of block.matchAll(/(--[\w-]+)\s*:\s*([^;{}]+);/g)) vars[match[1]] = match[2].trim();
  return vars;
}

/** The body of the first `selector {…}` block after `from`, braces balanced. */
function blockBody(css: string, selector: string, from = 0): string {
  const start = css.indexOf(`${selector} {`, from);
  if (start < 0) throw new Error(`app.css has no "${selector}" block`);
  let depth = 0;
  for (let i = css.indexOf('{', start); i < css.length; i++) {
    if (css[i] === '{') depth++;
    else if (css[i] === '}' && --depth === 0) return css.slice(css.indexOf('{', start) + 1, i);
  }
  throw new Error(`unbalanced "${selector}" block`);
}

function palettes(css: string): { light: Palette; dark: Palette } {
  const light = declarations(blockBody(css, ':root'));
  const media = blockBody(css, '@media (prefers-color-scheme: dark)');
  return { light, dark: { ...light, ...declarations(blockBody(media, ':root')) } };
}

function parseColour(value: string): Rgba {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value);
  if (hex) {
    const digits = hex[1].length === 3 ? [...hex[1]].map((d) => d + d).join('') : hex[1];
    const n = parseInt(digits, 16);
    return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255, a: 1 };
  }
  const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/i.exec(value);
  if (rgb) return { r: +rgb[1], g: +rgb[2], b: +rgb[3], a: rgb[4] === undefined ? 1 : +rgb[4] };
  throw new Error(`not a colour: ${value}`);
}

/** A colour by variable name (`--text`, following `var(--x)`) or literal. */
function colour(palette: Palette, ref: string): Rgba {
  let value = ref;
  for (let hops = 0; value.startsWith('--') || value.startsWith('var('); hops++) {
    if (hops > 5) throw new Error(`${ref}: var() loop`);
    const name = value.startsWith('var(') ? value.slice(4, -1).trim() : value;
    if (!(name in palette)) throw new Error(`app.css does not define ${name}`);
    value = palette[name];
  }
  return parseColour(value);
}

/** `top` painted over an opaque `under`. */
function over(top: Rgba, under: Rgba): Rgba {
  const mix = (a: number, b: number) => a * top.a + b * (1 - top.a);
  return { r: mix(top.r, under.r), g: mix(top.g, under.g), b: mix(top.b, under.b), a: 1 };
}

function luminance({ r, g, b }: Rgba): number {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

function ratio(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const TEXT = 4.5;
const GRAPHIC = 3;

type Pair = {
  fg: string;
  bg: string;
  min: number;
  /** What `bg` (when translucent) is painted over. */
  under?: string;
  /** The opacity of the element drawing `fg`. */
  opacity?: number;
  why: string;
};

/** The contrast of one pair in one palette. */
function pairRatio(palette: Palette, pair: Pair): number {
  const under = colour(palette, pair.under ?? '--surface');
  const bg = over(colour(palette, pair.bg), under);
  const fg = colour(palette, pair.fg);
  return ratio(over({ ...fg, a: fg.a * (pair.opacity ?? 1) }, bg), bg);
}

// Every pairing the CSS draws (app.css and the components' own styles).
const PAIRS: Pair[] = [
  // Body text, headings, labels, inputs, cards, dialogs, table cells and the date picker's days.
  { fg: '--text', bg: '--bg', min: TEXT, why: 'page text and sign-in form on the page background' },
  { fg: '--text', bg: '--surface', min: TEXT, why: 'text in cards, dialogs, inputs, toasts and the sidebar' },
  { fg: '--text', bg: '--surface-muted', min: TEXT, why: 'disabled inputs and table headers' },
  { fg: '--text', bg: '--row-hover', min: TEXT, why: 'a table row under the pointer' },
  { fg: '--text', bg: '--accent-soft', min: TEXT, why: 'list rows under the pointer, the enrolment code, lock screen' },
  // Secondary text: hints, table headers, badges, page intros, timestamps, the nav items.
  { fg: '--text-muted', bg: '--bg', min: TEXT, why: 'page intros and the ghost button on the page' },
  { fg: '--text-muted', bg: '--surface', min: TEXT, why: 'hints, .muted, nav items, timeline times' },
  { fg: '--text-muted', bg: '--surface-muted', min: TEXT, why: 'table headers, the plain badge, disabled input text' },
  { fg: '--text-muted', bg: '--row-hover', min: TEXT, why: 'muted cells of a hovered table row' },
  { fg: '--text-muted', bg: '--accent-soft', min: TEXT, why: 'the meta line of a hovered search hit' },
  // Faint text: the version, disabled days of the date picker.
  { fg: '--text-faint', bg: '--bg', min: TEXT, why: 'faint text on the page' },
  { fg: '--text-faint', bg: '--surface', min: TEXT, why: 'the sidebar version, disabled days of the date picker' },
  { fg: '--text-faint', bg: '--surface-muted', min: TEXT, why: 'faint text in a muted panel' },
  // The accent as text.
  { fg: '--accent', bg: '--surface', min: TEXT, why: 'links, secondary button hover, active tab' },
  { fg: '--accent', bg: '--bg', min: TEXT, why: 'links on the sign-in page' },
  { fg: '--accent', bg: '--accent-soft', min: TEXT, why: 'active nav item, accent badge, ghost button hover' },
  { fg: '--accent-strong', bg: '--surface', min: TEXT, why: 'link hover' },
  { fg: '--accent-strong', bg: '--accent-soft', min: TEXT, why: 'the refund rule in the refund dialog' },
  // Text on an accent fill.
  { fg: '--on-accent', bg: '--accent', min: TEXT, why: 'primary button, nav count, avatar, picked date' },
  { fg: '--on-accent', bg: '--accent-strong', min: TEXT, why: 'primary button hover' },
  // Status colours: alerts, badges, toasts, the audit chain, field errors.
  { fg: '--danger', bg: '--surface', min: TEXT, why: 'danger button, field errors, error cells' },
  { fg: '--danger', bg: '--danger-soft', min: TEXT, why: 'error alert and badge, danger button hover, broken chain' },
  { fg: '--warning', bg: '--warning-bg', min: TEXT, why: 'warning alert and badge, preference warning' },
  { fg: '--warning', bg: '--surface', min: TEXT, why: 'warning text in a card' },
  { fg: '--success', bg: '--success-soft', min: TEXT, why: 'success alert and badge, toast mark, intact chain' },
  { fg: '--success', bg: '--surface', min: TEXT, why: 'the "allowed" line in the refund dialog' },
  { fg: '--info', bg: '--info-soft', min: TEXT, why: 'info alert and badge' },
  // The brand band: top bar and sign-in panel.
  { fg: '--on-brand', bg: '--brand', min: TEXT, why: 'top bar title and operator name' },
  { fg: '--on-brand', bg: '--brand', opacity: 0.8, min: TEXT, why: 'the operator role (opacity 0.8)' },
  { fg: '--on-brand', bg: '--on-brand-fill', under: '--brand', min: TEXT, why: 'top bar buttons and the environment badge' },
  { fg: '--on-brand', bg: '--on-brand-fill-strong', under: '--brand', min: TEXT, why: 'top bar button hover, avatar' },
  { fg: '--on-brand', bg: '--brand-start', opacity: 0.75, min: TEXT, why: 'the version on the sign-in panel (opacity 0.75)' },
  { fg: '--on-brand', bg: '--brand-start', opacity: 0.92, min: TEXT, why: 'the sign-in tagline (opacity 0.92)' },
  { fg: '--env-production-text', bg: '--env-production-bg', min: TEXT, why: 'the production environment badge' },
  { fg: '--text', bg: '--surface', min: TEXT, why: 'the language select in the top bar' },
  // Non-text: input borders, focus indicators, graphics.
  { fg: '--border-strong', bg: '--surface', min: GRAPHIC, why: 'input, select and secondary button borders' },
  { fg: '--border-strong', bg: '--bg', min: GRAPHIC, why: 'input borders on the sign-in page' },
  { fg: '--accent', bg: '--surface', min: GRAPHIC, why: 'focused input border, tab underline, chart bars' },
  { fg: '--accent-ring', bg: '--surface', min: GRAPHIC, why: 'focus ring on a card or dialog' },
  { fg: '--accent-ring', bg: '--bg', min: GRAPHIC, why: 'focus ring on the page' },
  { fg: '--danger', bg: '--surface', min: GRAPHIC, why: 'invalid input border' },
  { fg: '--on-brand-ring', bg: '--brand', min: GRAPHIC, why: 'focus ring of top bar buttons' },
  { fg: '--accent', bg: '--accent-soft', min: GRAPHIC, why: 'progress bar fill on its track' },
  { fg: '--warning', bg: '--accent-soft', min: GRAPHIC, why: 'progress bar fill when time runs low' },
];

const { light, dark } = palettes(CSS);

describe('contrast of the palettes in app.css', () => {
  it('reads both palettes, the dark one overriding the colours', () => {
    expect(colour(light, '--text')).not.toEqual(colour(dark, '--text'));
    expect(colour(light, '--bg')).not.toEqual(colour(dark, '--bg'));
    expect(CSS).toMatch(/color-scheme:\s*light dark/);
  });

  it('computes WCAG ratios: black on white is 21, and a bad pair fails', () => {
    expect(ratio(parseColour('#000'), parseColour('#fff'))).toBeCloseTo(21, 5);
    expect(ratio(parseColour('#777'), parseColour('#ffffff'))).toBeCloseTo(4.48, 2);
    const bad: Pair = { fg: '#999999', bg: '#ffffff', min: TEXT, why: 'self-check: light grey on white' };
    expect(pairRatio(light, bad)).toBeLessThan(TEXT);
    // Translucent colours are painted over what is under them.
    const grey = pairRatio(light, { fg: '#000000', bg: 'rgba(0, 0, 0, 0.5)', under: '#ffffff', min: TEXT, why: '' });
    expect(grey).toBeCloseTo(ratio(parseColour('#000000'), parseColour('rgb(127.5, 127.5, 127.5)')), 5);
    expect(pairRatio(light, { fg: '#ffffff', opacity: 0.5, bg: '#ffffff', min: TEXT, why: '' })).toBeCloseTo(1, 5);
  });

  for (const [name, palette] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    const label = (pair: Pair) =>
      `${pair.fg}${pair.opacity ? ` at ${pair.opacity}` : ''} on ${pair.bg}: ${pairRatio(palette, pair).toFixed(2)}:1, needs ${pair.min}:1`;
    it.each(PAIRS.map((pair) => [label(pair), pair] as const))(
      `${name}: %s`,
      (_label, pair) => {
        const value = pairRatio(palette, pair);
        expect(value, `${pair.why}: ${value.toFixed(2)}:1 < ${pair.min}:1`).toBeGreaterThanOrEqual(pair.min);
      },
    );
  }
});
