import { digestModelInputs, type ModelInputsDigest, modelCallKey } from '../contracts/recording.js';
import { type ErrorCode, PieBrainError } from '../errors.js';
import type { ChatRequest, ChatResponse, LlmProvider } from '../llm/provider.js';
import type { RecordedModelCall } from './recording.js';

// A live replay wants today's answer, not the router's latency policy: a cold model on a Pi may take a while to load.
const LIVE_TIMEOUT_MS = 300_000;

/** A model call the replay made, and where its answer came from. */
export interface ReplayedModelCall {
  purpose: string;
  key: string;
  inputs: ModelInputsDigest;
  answeredBy: 'recording' | 'live' | 'nothing';
  /** Live calls: how long today's model took, or why it did not answer. */
  latencyMs?: number;
  failed?: string;
}

/**
 * The model of a replay. From the recording (the default): each call is answered with what the model said when
 * the task ran, found by the hash of its inputs, and a recorded failure fails again; inputs that were never
 * recorded are a miss, and no model is asked. Live: today's model answers every call (nothing is recorded).
 */
export class ReplayModel implements LlmProvider {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'replay';
  readonly local = true;
  readonly calls: ReplayedModelCall[] = [];
  private readonly used = new Set<number>();

  constructor(
    private readonly recorded: readonly RecordedModelCall[],
    private readonly live?: LlmProvider,
  ) {}

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const purpose = request.purpose ?? 'chat';
    const key = modelCallKey(request);
    const inputs = digestModelInputs(request);
    if (this.live) {
      try {
        const timeoutMs = Math.max(request.timeoutMs ?? 0, LIVE_TIMEOUT_MS);
        const response = await this.live.chat({ ...request, taskId: null, timeoutMs });
        this.calls.push({ purpose, key, inputs, answeredBy: 'live', latencyMs: response.latencyMs });
        return response;
      } catch (error) {
        this.calls.push({ purpose, key, inputs, answeredBy: 'live', failed: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    }
    const index = this.recorded.findIndex((call, i) => !this.used.has(i) && call.key === key);
    const call = this.recorded[index];
    this.calls.push({ purpose, key, inputs, answeredBy: call ? 'recording' : 'nothing' });
    if (!call) throw new PieBrainError('REPLAY_MISS', `no ${purpose} call with these inputs was recorded`);
    this.used.add(index);
    if (call.failure) throw new PieBrainError(call.failure.code as ErrorCode, `the recorded ${purpose} call failed (${call.failure.code})`);
    const text = call.output?.text ?? '';
    return { text, model: request.model ?? 'recorded', usage: { inputTokens: 0, outputTokens: 0 }, latencyMs: 0, costUsd: 0 };
  }
}
