import { textPath, textWidth } from './pixel-font.js';

export interface ChartDay {
  /** Shown under the bar (a day of the month). */
  label: string;
  /** Dollars per provider that day. */
  byProvider: Record<string, number>;
}

export interface SpendChart {
  title: string;
  days: readonly ChartDay[];
}

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;

// Tableau 10: distinct colours that stay apart for colour-blind readers.
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const PLOT = { left: 72, top: 44, right: CHART_WIDTH - 20, bottom: 340 };

/** 1, 2, 2.5 or 5 times a power of ten at or above `value`: round axis steps. */
function niceStep(value: number): number {
  if (value <= 0) return 0.25;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 2.5, 5, 10]) if (factor * power >= value) return factor * power;
  return 10 * power;
}

/** Every label of an axis with the same number of decimals: the fewest that show the step exactly. */
function axisLabel(value: number, step: number): string {
  if (value === 0) return '$0';
  let decimals = 0;
  while (decimals < 4 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-9) decimals += 1;
  return `$${value.toFixed(decimals)}`;
}

/** Providers ordered by what they spent in the period, most first, so the biggest sits at the bottom. */
function orderProviders(days: readonly ChartDay[]): string[] {
  const totals = new Map<string, number>();
  for (const day of days)
    for (const [provider, usd] of Object.entries(day.byProvider)) totals.set(provider, (totals.get(provider) ?? 0) + usd);
  return [...totals.entries()]
    .filter(([, usd]) => usd > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([p]) => p);
}

/** The chart as SVG: stacked bars of daily spend by provider, with axis, labels and legend in a pixel font. */
export function buildSpendChartSvg(chart: SpendChart): string {
  const providers = orderProviders(chart.days);
  const colour = (provider: string) => PALETTE[providers.indexOf(provider) % PALETTE.length] ?? '#888888';
  const maxTotal = Math.max(0, ...chart.days.map((d) => Object.values(d.byProvider).reduce((a, b) => a + b, 0)));
  const step = niceStep(maxTotal / 4);
  const top = step * 4;
  const height = PLOT.bottom - PLOT.top;
  const y = (usd: number) => PLOT.bottom - (usd / top) * height;
  const parts: string[] = [`<rect width="${CHART_WIDTH}" height="${CHART_HEIGHT}" fill="#ffffff"/>`];
  const ink: string[] = [textPath(chart.title, PLOT.left, 14, 3)];
  const grid: string[] = [];
  for (let i = 0; i <= 4; i += 1) {
    const gy = Math.round(y(step * i)) + 0.5;
    grid.push(`M${PLOT.left} ${gy}H${PLOT.right}`);
    const label = axisLabel(step * i, step);
    ink.push(textPath(label, PLOT.left - 8 - textWidth(label, 2), gy - 5, 2));
  }
  parts.push(`<path d="${grid.join('')}" stroke="#dddddd" stroke-width="1"/>`);
  const slot = (PLOT.right - PLOT.left) / Math.max(1, chart.days.length);
  const barWidth = Math.max(1, Math.floor(slot * 0.7));
  const labelEvery = Math.max(1, Math.ceil(24 / slot));
  chart.days.forEach((day, index) => {
    const x = Math.round(PLOT.left + index * slot + (slot - barWidth) / 2);
    let stacked = 0;
    for (const provider of providers) {
      const usd = day.byProvider[provider] ?? 0;
      if (usd <= 0) continue;
      const y0 = y(stacked + usd);
      const h = Math.max(1, y(stacked) - y0);
      parts.push(`<rect x="${x}" y="${y0.toFixed(1)}" width="${barWidth}" height="${h.toFixed(1)}" fill="${colour(provider)}"/>`);
      stacked += usd;
    }
    if (index % labelEvery === 0) ink.push(textPath(day.label, x + barWidth / 2 - textWidth(day.label, 2) / 2, PLOT.bottom + 8, 2));
  });
  parts.push(`<path d="M${PLOT.left} ${PLOT.bottom + 0.5}H${PLOT.right}" stroke="#444444" stroke-width="1"/>`);
  let legendX = PLOT.left;
  for (const provider of providers.length ? providers : ['no paid calls']) {
    parts.push(`<rect x="${legendX}" y="372" width="12" height="12" fill="${providers.length ? colour(provider) : '#dddddd'}"/>`);
    ink.push(textPath(provider, legendX + 18, 373, 2));
    legendX += 18 + textWidth(provider, 2) + 24;
  }
  parts.push(`<path d="${ink.join('')}" fill="#222222"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}">${parts.join('')}</svg>`;
}

/** Render the chart to PNG bytes with resvg (no system fonts are loaded: all text is paths). */
export async function renderSpendChart(chart: SpendChart): Promise<Buffer> {
  // The native renderer is loaded on the first /cost, not at start.
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(buildSpendChartSvg(chart), { font: { loadSystemFonts: false }, fitTo: { mode: 'original' } });
  return resvg.render().asPng();
}
