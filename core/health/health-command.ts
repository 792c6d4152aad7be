import type { Command } from '../commands/command-table.js';
import { formatHealth, type HealthReport } from './health-report.js';

/** /health: Ollama, providers, queue, cloud runs, jobs, adapters and the Pi's vitals (admins only). */
export function createHealthCommand(deps: { collect(): Promise<HealthReport>; timeZone: string }): Command {
  return {
    name: 'health',
    description: 'Ollama, providers, queue, cloud runs, jobs, adapters and the Pi',
    usage: '/health',
    privileges: ['operate'],
    run: async () => ({ text: formatHealth(await deps.collect(), deps.timeZone) }),
  };
}
