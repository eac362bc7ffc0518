// Bar charts through Chart.js, loaded on first use (`chartBars.ts`). Colours come from the app's CSS variables
// on the canvas, so a chart follows the theme it is drawn in; `onColourSchemeChange` says when to draw again.

import type { Chart } from 'chart.js';

let loading: Promise<typeof import('./chartBars')> | null = null;

function chartJs(): Promise<typeof import('./chartBars')> {
  loading ??= import('./chartBars');
  return loading;
}

/** Whether this page can draw on a canvas (a browser can; jsdom, without a canvas library, cannot). */
export function canvasAvailable(): boolean {
  return typeof window !== 'undefined' && 'CanvasRenderingContext2D' in window;
}

export type Bars = {
  labels: string[];
  values: number[];
  /** The series' name, shown in the tooltip. */
  label: string;
  /** How a value reads on the axis and in the tooltip. */
  format: (value: number) => string;
  /** Bars along the vertical axis (one row per label). */
  horizontal?: boolean;
};

/** Calls `changed` whenever the OS switches between light and dark; returns the unsubscribe. */
export function onColourSchemeChange(changed: () => void): () => void {
  if (typeof window === 'undefined' || typeof window.matchMedia !== 'function') return () => {};
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  query.addEventListener('change', changed);
  return () => query.removeEventListener('change', changed);
}

/** Draws `bars` on `canvas`; destroy the chart before drawing on the canvas again. */
export async function drawBars(canvas: HTMLCanvasElement, bars: Bars): Promise<Chart> {
  const { Chart } = await chartJs();
  const style = getComputedStyle(canvas);
  // Chart.js's own defaults stand in for a variable the page lacks.
  const colour = (name: string) => style.getPropertyValue(name).trim() || undefined;
  const text = colour('--text-muted');
  const grid = colour('--border');
  const valueAxis = {
    beginAtZero: true,
    ticks: { color: text, callback: (value: string | number) => bars.format(Number(value)) },
    grid: { color: grid },
  };
  const labelAxis = { ticks: { color: text }, grid: { display: false } };
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: bars.labels,
      datasets: [{ label: bars.label, data: bars.values, backgroundColor: colour('--accent'), borderRadius: 3 }],
    },
    options: {
      indexAxis: bars.horizontal ? 'y' : 'x',
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => `${bars.label}: ${bars.format(Number(item.raw))}` } },
      },
      scales: bars.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
    },
  });
}
