import type { Config } from './config.js';
import type { Check } from './doctor.js';

// End of life of each Node major (nodejs.org's release schedule): no security fixes after that day.
const NODE_END_OF_LIFE: Record<number, string> = {
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
  25: '2026-06-01',
  26: '2029-04-30',
};

const HOW_TO_GET_NODE =
  'install Node 22 or 24: NodeSource (https://github.com/nodesource/distributions) or the official tarball from https://nodejs.org, then deploy/install.sh again';

/** Node must be 20 or newer to run at all, and should not be past its end of life. */
export function checkNode(version: string, now: number): Check {
  const major = Number(version.split('.')[0]);
  if (!(major >= 20)) return { name: 'node', ok: false, detail: `Node ${version}`, fix: HOW_TO_GET_NODE };
  const endOfLife = NODE_END_OF_LIFE[major];
  if (endOfLife && now >= Date.parse(`${endOfLife}T00:00:00Z`)) {
    return { name: 'node', ok: true, warn: true, detail: `Node ${version} reached its end of life on ${endOfLife}`, fix: HOW_TO_GET_NODE };
  }
  return { name: 'node', ok: true, detail: `Node ${version}${endOfLife ? ` (supported until ${endOfLife})` : ''}` };
}

/** The native modules this install needs load on this Node and CPU (a Node upgrade needs a fresh npm ci). */
export async function checkNativeModules(config: Config): Promise<Check[]> {
  const modules: Array<[string, () => Promise<unknown>]> = [
    [
      'better-sqlite3',
      async () => {
        const { default: Database } = await import('better-sqlite3');
        new Database(':memory:').close();
      },
    ],
    ['@lancedb/lancedb', () => import('@lancedb/lancedb')],
    ['@resvg/resvg-js', () => import('@resvg/resvg-js')],
  ];
  if (config.memory.embedder === 'transformers') modules.push(['@huggingface/transformers', () => import('@huggingface/transformers')]);
  const checks: Check[] = [];
  for (const [name, load] of modules) {
    try {
      await load();
      checks.push({ name: 'native', ok: true, detail: `${name} loads` });
    } catch (error) {
      checks.push({
        name: 'native',
        ok: false,
        detail: `${name} does not load: ${(error as Error).message.split('\n')[0]}`,
        fix:
          name === '@huggingface/transformers'
            ? 'npm install @huggingface/transformers, or set memory.embedder: ollama'
            : 'run npm ci --omit=dev (or deploy/install.sh) again with this Node version',
      });
    }
  }
  return checks;
}

/** Someone must be able to use the admin commands (and receive alerts) once a chat platform is on. */
export function checkAdmins(config: Config, platformsOn: boolean): Check {
  if (!platformsOn) return { name: 'admin', ok: true, detail: 'console only: its local user is the admin' };
  if (config.access.admins.length > 0) return { name: 'admin', ok: true, detail: `${config.access.admins.length} admin(s) configured` };
  return {
    name: 'admin',
    ok: false,
    detail: 'no admin: nobody gets alerts or may use /cost, /health, /run',
    fix: 'set PIE_BRAIN_ADMINS=platform:yourUserId (pie-brain prints your id when you write to it)',
  };
}
