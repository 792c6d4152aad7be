import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { BrainRunRecord } from '../../storage/brain-runs.js';
import { writeFileAtomic } from '../lib/atomic-file.js';

/**
 * Save a run's whole answer as a Markdown note in the brain dir's inbox, named after its task and run
 * (`task-12-1-claude-code.md`). Writing it again after a restart finds the same note; a different note of that
 * name (an older data dir) is never overwritten. Resolves the note's path inside the brain dir.
 */
export async function saveResultNote(brainDir: string, run: BrainRunRecord, text: string): Promise<string> {
  const inbox = join(brainDir, 'inbox');
  await mkdir(inbox, { recursive: true });
  const created = new Date(run.endedAt ?? run.startedAt).toISOString();
  const meta = stringify({
    title: `Task ${run.taskId}: the ${run.brain} answer`,
    created,
    source: `pie-brain task ${run.taskId} (${run.brain})`,
  });
  const content = `---\n${meta.trimEnd()}\n---\n\n${text.trim()}\n`;
  const stem = `task-${run.taskId}-${run.seq}-${run.brain}`;
  for (let n = 1; ; n += 1) {
    const name = `${stem}${n > 1 ? `-${n}` : ''}.md`;
    const path = join(inbox, name);
    if (existsSync(path)) {
      if (readFileSync(path, 'utf8') === content) return join('inbox', name);
      continue;
    }
    await writeFileAtomic(path, content);
    return join('inbox', name);
  }
}

/** The start of a long text, cut at a line (or word) boundary near `max` characters. */
export function startOf(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const line = cut.lastIndexOf('\n');
  if (line > max * 0.6) return cut.slice(0, line).trimEnd();
  const space = cut.lastIndexOf(' ');
  return (space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd();
}
