export type Recommendation = 'OPTIMAL' | 'ACCEPTABLE' | 'POOR';

export interface ScoreInputs {
  state: 'up' | 'down' | 'unknown';
  /** Null while fewer calls than the minimum were made in the last hour. */
  errorRate: number | null;
  p95Ms: number | null;
  latencyTargetMs: number;
  /** 0..1 over 24 h; null without data. */
  availability: number | null;
  queueDepth: number;
}

/**
 * A health score from 0 to 100: errors cost 1.5 points per percent, a p95 over target up to 40 points,
 * a waiting line 5 points per queued call (at most 20), and the result is scaled by 24-hour availability.
 * Down is 0. Null when there is nothing to judge yet.
 */
export function scoreProvider(inputs: ScoreInputs): number | null {
  if (inputs.state === 'down') return 0;
  if (inputs.state === 'unknown' && inputs.availability === null) return null;
  let score = 100;
  if (inputs.errorRate !== null) score -= inputs.errorRate * 150;
  if (inputs.p95Ms !== null && inputs.p95Ms > inputs.latencyTargetMs) {
    score -= Math.min(40, 40 * (inputs.p95Ms / inputs.latencyTargetMs - 1));
  }
  score -= Math.min(20, inputs.queueDepth * 5);
  if (inputs.availability !== null) score *= inputs.availability;
  return Math.max(0, Math.min(100, Math.round(score)));
}

/** OPTIMAL from 80, ACCEPTABLE from 50 (and while untested), POOR below. */
export function recommend(score: number | null): Recommendation {
  if (score === null) return 'ACCEPTABLE';
  if (score >= 80) return 'OPTIMAL';
  return score >= 50 ? 'ACCEPTABLE' : 'POOR';
}
