import type { Api } from 'grammy';

type GrammySignal = NonNullable<Parameters<Api['getMe']>[0]>;

/** grammY types its signals with the abort-controller polyfill; node-fetch accepts Node's own just the same. */
export function toGrammySignal(signal: AbortSignal): GrammySignal {
  return signal as unknown as GrammySignal;
}
