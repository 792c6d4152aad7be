import type { Config } from '../config.js';
import { MODEL_RETIREMENTS, type Retirement } from './model-catalog.js';
import { normalizeModelId } from './model-registry.js';

/** A configured model that its vendor has deprecated or retired. */
export interface ModelNotice {
  /** The config key that names the model. */
  setting: string;
  model: string;
  state: 'deprecated' | 'retired';
  retiresOn: string;
  replacement: string;
  /** One line for doctor and /health. */
  text: string;
}

function retirementOf(model: string): Retirement | undefined {
  const id = normalizeModelId(model);
  return MODEL_RETIREMENTS[id] ?? MODEL_RETIREMENTS[id.replace(/\./g, '-')];
}

/** Whether a model is retired (calls fail) or deprecated (it still answers, until the date) at `now`. */
export function modelNotice(setting: string, model: string, now: number): ModelNotice | undefined {
  const retirement = retirementOf(model);
  if (!retirement) return undefined;
  const retired = now >= Date.parse(`${retirement.retiresOn}T00:00:00Z`);
  const text = retired
    ? `${setting} is ${model}, retired on ${retirement.retiresOn}: calls to it fail. Set ${setting}: ${retirement.replacement}`
    : `${setting} is ${model}, deprecated: it stops answering on ${retirement.retiresOn}. Move to ${retirement.replacement}`;
  return { setting, model, state: retired ? 'retired' : 'deprecated', ...retirement, text };
}

/** Notices for every paid model the configuration names. */
export function configuredModelNotices(config: Config, now: number): ModelNotice[] {
  const named: Array<[string, string | null]> = [
    ['anthropic.model', config.anthropic.model],
    ...config.anthropic.models.map((model, index): [string, string] => [`anthropic.models[${index}]`, model]),
    ['brains.model', config.brains.model],
  ];
  return named.flatMap(([setting, model]) => {
    const notice = model ? modelNotice(setting, model, now) : undefined;
    return notice ? [notice] : [];
  });
}
