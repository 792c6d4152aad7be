import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Paths } from './config.js';

export const PREFS_EXAMPLE = `# About me (pie-brain reads this before every request; keep it short)
#
# Lines starting with # are comments. Write in plain words what pie-brain should know, for example:
#
# I am a machine-learning researcher. Interests: retrieval-augmented generation, small language models,
# efficient inference on edge devices. I prefer short answers with links. My main repository is "notes".
`;

/** `pie-brain init`: the data dir, the brain dir with an example profile, and the inbox. Never overwrites. */
export function initHome(paths: Paths): string[] {
  const created: string[] = [];
  const dirs = [paths.home, join(paths.home, 'logs'), join(paths.brainDir, 'profile'), join(paths.brainDir, 'inbox')];
  for (const dir of dirs) {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      created.push(dir);
    }
  }
  const prefs = join(paths.brainDir, 'profile', 'user_prefs.md');
  if (!existsSync(prefs)) {
    writeFileSync(prefs, PREFS_EXAMPLE);
    created.push(prefs);
  }
  return created;
}
