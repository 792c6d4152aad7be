import { z } from 'zod';
import type { Outbox } from '../../storage/outbox.js';
import type { TaskEvent, TaskQueue } from '../../storage/queue.js';
import { attachmentSchema, commandSchema, type InboundMessage, type Reply } from '../contracts/messages.js';
import { RECORDED_HANDOFF, RECORDED_TOOL_PREFIX } from '../contracts/recording.js';
import { PieBrainError } from '../errors.js';

const recordedText = z.object({ text: z.string(), cutFrom: z.number().int().optional() });

const inputsDigest = z.object({
  model: z.string().nullable(),
  settings: z.string(),
  messages: z.array(z.object({ role: z.string(), chars: z.number().int(), hash: z.string() })),
});

const modelCall = z.object({
  purpose: z.string(),
  key: z.string(),
  inputs: inputsDigest.optional(),
  output: recordedText.optional(),
  failure: z.object({ code: z.string() }).optional(),
});

const toolOutput = recordedText.extend({
  links: z.array(z.object({ title: z.string(), url: z.string() })).optional(),
  files: z.array(z.string()).optional(),
  images: z.array(attachmentSchema).optional(),
});

const toolCall = z.object({
  tool: z.string(),
  key: z.string(),
  params: recordedText.optional(),
  output: toolOutput.optional(),
  error: z.object({ code: z.string(), message: z.string(), userMessage: z.string().optional() }).optional(),
});

const route = z.object({
  source: z.string(),
  tool: z.string().nullable(),
  handoff: z.boolean(),
  reason: z.string().nullable(),
  llmCalls: z.number().int(),
  problem: z.string().optional(),
  params: recordedText.optional(),
  cacheKey: z.string().optional(),
});

/** A task's recording: what it was asked, how it was routed, every model call and tool output, and its reply. */
export const recordingSchema = z.object({
  format: z.literal('pie-brain-recording'),
  version: z.literal(1),
  task: z.object({
    id: z.number().int().positive(),
    text: z.string(),
    platform: z.string().min(1),
    chatId: z.string().min(1),
    threadId: z.string().optional(),
    userId: z.string().min(1),
    userName: z.string(),
    command: commandSchema.optional(),
    status: z.string(),
    createdAt: z.number(),
  }),
  route: route.nullable(),
  modelCalls: z.array(modelCall),
  toolCalls: z.array(toolCall),
  reply: z.object({ text: z.string(), attachments: z.array(attachmentSchema).optional() }).nullable(),
});
export type Recording = z.infer<typeof recordingSchema>;
export type RecordedModelCall = z.infer<typeof modelCall>;
export type RecordedToolCall = z.infer<typeof toolCall>;
export type RecordedRoute = z.infer<typeof route>;

/** A recording from a file or another machine, checked: one readable line per problem. */
export function parseRecording(value: unknown, source: string): Recording {
  const checked = recordingSchema.safeParse(value);
  if (checked.success) return checked.data;
  const problems = checked.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`);
  throw new PieBrainError('RECORDING_INVALID', `${source} is not a pie-brain recording: ${problems.join('; ')}`);
}

/** Only the last attempt counts: a task run again after a crash or a retry is replayed as it finally ran. */
function lastAttempt(events: TaskEvent[]): TaskEvent[] {
  let start = 0;
  events.forEach((event, index) => {
    if (event.type === 'claimed') start = index + 1;
  });
  return events.slice(start);
}

function fromEvent(event: TaskEvent): { model?: RecordedModelCall; tool?: RecordedToolCall; route?: RecordedRoute } {
  const data = (event.data ?? {}) as Record<string, unknown>;
  if (typeof data.key !== 'string' && event.type !== 'routed') return {};
  if (event.type === 'routed') return { route: route.parse({ ...data, reason: data.reason ?? null, tool: data.tool ?? null }) };
  if (event.type.startsWith('llm:')) return { model: modelCall.parse({ ...data, purpose: event.type.slice(4) }) };
  if (event.type.startsWith('llm-failed:')) {
    return { model: modelCall.parse({ ...data, purpose: event.type.slice('llm-failed:'.length), failure: { code: data.code } }) };
  }
  if (event.type.startsWith(RECORDED_TOOL_PREFIX))
    return { tool: toolCall.parse({ ...data, tool: event.type.slice(RECORDED_TOOL_PREFIX.length) }) };
  if (event.type === RECORDED_HANDOFF) return { tool: toolCall.parse({ ...data, tool: 'handoff' }) };
  return {};
}

/** The recording of a task from its trace and its reply in the outbox; undefined when there is no such task. */
export function readRecording(queue: TaskQueue, outbox: Outbox, taskId: number): Recording | undefined {
  const task = queue.get(taskId);
  if (!task) return undefined;
  const recording: Recording = {
    format: 'pie-brain-recording',
    version: 1,
    task: {
      id: task.id,
      text: task.requestText,
      platform: task.platform,
      chatId: task.chatId,
      ...(task.threadId ? { threadId: task.threadId } : {}),
      userId: task.userId,
      userName: task.userName,
      ...((task.message as Partial<InboundMessage>).command ? { command: (task.message as InboundMessage).command } : {}),
      status: task.status,
      createdAt: task.createdAt,
    },
    route: null,
    modelCalls: [],
    toolCalls: [],
    reply: null,
  };
  for (const event of lastAttempt(queue.events(taskId))) {
    const found = fromEvent(event);
    if (found.route) recording.route = found.route;
    if (found.model) recording.modelCalls.push(found.model);
    if (found.tool) recording.toolCalls.push(found.tool);
  }
  const reply = outbox
    .forTask(taskId)
    .filter((row) => row.kind === 'reply')
    .at(-1)?.body as Reply | undefined;
  if (reply) recording.reply = { text: reply.text, ...(reply.attachments?.length ? { attachments: reply.attachments } : {}) };
  return recording;
}
