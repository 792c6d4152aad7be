// The one way pie-brain writes durations, dollars and token counts, in replies, footers, reports and logs.

/** `450 ms`, `2.1 s`, `3m12s`, `1h04m`. */
export function formatDuration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 59_950) return `${(value / 1000).toFixed(1)} s`;
  const seconds = Math.round(value / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `$0`, `$0.31`, `$2.50`, `$0.0123`, `$0.000004`: cents from ten cents up, more digits only for small amounts. */
export function formatUsd(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  if (abs === 0) return '$0';
  if (abs >= 0.1) return `${sign}$${abs.toFixed(2)}`;
  const digits = abs >= 0.0001 ? 4 : 6;
  const [whole, fraction = ''] = abs.toFixed(digits).split('.');
  return `${sign}$${whole}.${fraction.replace(/0+$/, '').padEnd(2, '0')}`;
}

/** `412 tok`, `12,304 tok`; with output tokens apart, `300+20 tok`. */
export function formatTokens(tokens: number, outputTokens?: number): string {
  const count = (n: number) => Math.round(n).toLocaleString('en-US');
  return outputTokens === undefined ? `${count(tokens)} tok` : `${count(tokens)}+${count(outputTokens)} tok`;
}
