// Bar charts through Chart.js, loaded on first use (`chartBars.ts`). Colours come from the app's CSS variables
// on the canvas, so a chart follows the theme it is drawn in.

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

/** Draws `bars` on `canvas`; destroy the chart before drawing on the canvas again. */
export async function drawBars(canvas: HTMLCanvasElement, bars: Bars): Promise<Chart> {
  const { Chart } = await chartJs();
  const style = getComputedStyle(canvas);
  const colour = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const text = colour('--text-muted', '#5b6072');
  const grid = colour('--border', '#e1e2e8');
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
      datasets: [{ label: bars.label, data: bars.values, backgroundColor: colour('--accent', '#4c3494'), borderRadius: 3 }],
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
