import type { ReplayReport } from './compare-replay.js';

const MODES: Record<ReplayReport['mode'], string> = {
  recording: 'replayed from its recording: no model, no network, nothing run or sent',
  live: "replayed live: today's model and prompts; tools and cloud runs from the recording",
};

function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** The report as a person reads it on a terminal: a verdict, one line per check, diffs, then notes. */
export function formatReplayReport(report: ReplayReport): string {
  const lines = [`Task ${report.taskId}: ${report.verdict} (${MODES[report.mode]})`];
  for (const check of report.checks) {
    const label = check.name.padEnd(7);
    if (check.same) {
      lines.push(`  ${label}same     ${check.name === 'reply' ? `(${check.recorded.length} characters)` : oneLine(check.recorded)}`);
      continue;
    }
    if (check.diff) {
      lines.push(`  ${label}changed`);
      for (const line of check.diff.split('\n')) lines.push(`    ${line}`);
    } else {
      lines.push(`  ${label}changed  ${oneLine(check.recorded)}  =>  ${oneLine(check.replayed)}`);
    }
  }
  if (report.notes.length) {
    lines.push('Notes:');
    for (const note of report.notes) lines.push(`  - ${note}`);
  }
  return `${lines.join('\n')}\n`;
}
