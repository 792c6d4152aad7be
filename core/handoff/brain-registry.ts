import type { KeyValueStore } from '../../storage/kv.js';
import type { Brain, BrainDeps, BrainDetection, BrainFactory } from '../contracts/brain.js';
import { PieBrainError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { loadFolderModules } from '../lib/module-loader.js';

const ACTIVE_KEY = 'brains.active';
const DETECT_TTL_MS = 60_000;

/** What /brain use stored: the choice, and the configured default it overrode. */
interface ActiveChoice {
  name: string;
  configured: string;
}

export interface BrainRegistryOptions {
  kv: KeyValueStore;
  clock: Clock;
  /** DEFAULT_CLOUD_BRAIN, else config brains.default. */
  defaultName: string;
  /** config brains.fallback, tried in order when the active brain is unavailable. */
  fallback: readonly string[];
}

/**
 * The cloud brains, by name, and which one is active. The active brain is the configured default until an
 * admin switches with `/brain use`; that choice is kept in the database and holds until the configured
 * default itself changes (an operator who edits config.yaml or DEFAULT_CLOUD_BRAIN means it).
 */
export class BrainRegistry {
  private readonly brains = new Map<string, Brain>();
  private readonly detections = new Map<string, { at: number; detection: Promise<BrainDetection> }>();

  constructor(
    brains: Iterable<Brain>,
    private readonly options: BrainRegistryOptions,
  ) {
    for (const brain of brains) {
      if (this.brains.has(brain.name)) throw new Error(`Two brains are named ${brain.name}`);
      this.brains.set(brain.name, brain);
    }
  }

  /** Load every module of a folder (brains/): adding a brain is adding one file. */
  static async load(dir: string, deps: BrainDeps, options: BrainRegistryOptions): Promise<BrainRegistry> {
    const brains: Brain[] = [];
    for (const { file, value } of await loadFolderModules<BrainFactory>(dir)) {
      if (typeof value !== 'function') throw new Error(`brains/${file} must default-export a brain factory`);
      const brain = await value(deps);
      if (brain) brains.push(brain);
    }
    return new BrainRegistry(brains, options);
  }

  list(): Brain[] {
    return [...this.brains.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): Brain | undefined {
    return this.brains.get(name);
  }

  activeName(): string {
    const choice = this.options.kv.get<ActiveChoice>(ACTIVE_KEY);
    if (choice && choice.configured === this.options.defaultName && this.brains.has(choice.name)) return choice.name;
    return this.options.defaultName;
  }

  /** Switch the active brain (persisted). Throws VALIDATION for a name no module provides. */
  use(name: string): void {
    if (!this.brains.has(name)) {
      throw new PieBrainError('VALIDATION', `unknown brain ${name}`, {
        userMessage: `There is no brain named ${name}. Known: ${this.list()
          .map((b) => b.name)
          .join(', ')}.`,
      });
    }
    this.options.kv.set(ACTIVE_KEY, { name, configured: this.options.defaultName } satisfies ActiveChoice, this.options.clock.now());
  }

  /** The active brain, then the fallback list, each once, only those that exist. */
  candidates(): Brain[] {
    const names = [this.activeName(), ...this.options.fallback];
    return [...new Set(names)].map((name) => this.brains.get(name)).filter((brain): brain is Brain => brain !== undefined);
  }

  get fallback(): readonly string[] {
    return this.options.fallback;
  }

  /** Whether a brain can run now; cached for a minute (a `--version` per request would cost a second on a Pi). */
  detect(name: string, fresh = false): Promise<BrainDetection> {
    const brain = this.brains.get(name);
    if (!brain) return Promise.resolve({ available: false, installed: false, detail: 'no such brain' });
    const now = this.options.clock.now();
    const cached = this.detections.get(name);
    if (cached && !fresh && now - cached.at < DETECT_TTL_MS) return cached.detection;
    const detection = brain.detect().catch(
      (error: unknown): BrainDetection => ({
        available: false,
        installed: false,
        detail: `detection failed: ${error instanceof Error ? error.message : String(error)}`,
      }),
    );
    this.detections.set(name, { at: now, detection });
    return detection;
  }

  /** Forget what detection said (a run just showed the brain unavailable). */
  forget(name: string): void {
    this.detections.delete(name);
  }
}
