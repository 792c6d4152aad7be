import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HandoffRequest } from '../../core/contracts/handoff.js';
import { capabilitiesReply, replyFromResult } from '../../core/engine/dispatch.js';
import type { EventMap } from '../../core/engine/events.js';
import { PieBrainError } from '../../core/errors.js';
import { testActor } from '../helpers.js';
import { createRouterHarness, decisionJson, type RouterHarness } from './router/harness.js';

let h: RouterHarness;

beforeEach(async () => {
  h = await createRouterHarness();
});
afterEach(async () => {
  await h.close();
});

describe('replyFromResult', () => {
  it('keeps the text, appends links it does not mention yet, and carries images as attachments', () => {
    const reply = replyFromResult({
      text: 'Found 2 papers. See https://arxiv.org/abs/1',
      links: [
        { title: 'One', url: 'https://arxiv.org/abs/1' },
        { title: 'Two [v2]', url: 'https://arxiv.org/abs/2' },
      ],
      images: [{ kind: 'image', path: '/tmp/chart.png', caption: 'spend' }],
    });
    expect(reply.text).toBe('Found 2 papers. See https://arxiv.org/abs/1\n\n- [Two v2](https://arxiv.org/abs/2)');
    expect(reply.attachments).toEqual([{ kind: 'image', path: '/tmp/chart.png', caption: 'spend' }]);
    expect(replyFromResult({ text: '' }).text).toBe('Done.');
  });

  it('lists what pie-brain can do, hiding admin-only tools from others', () => {
    const tools = h.runtime.tools;
    expect(capabilitiesReply(tools, testActor()).text).toContain('`/run [python|js] <code>`');
    const forGuest = capabilitiesReply(tools, testActor({ admin: false }), 'the model is down').text;
    expect(forGuest).toContain('I could not work out what you need: the model is down.');
    expect(forGuest).toContain('`/arxiv <id | title | discover>`');
    expect(forGuest).not.toContain('/run');
  });
});

describe('route handler and dispatch', () => {
  it('runs the tool with its params and context, in the tool pool, and traces it', async () => {
    const ctx = h.task('2401.12345');
    const events: string[] = [];
    const off = h.runtime.bus.onAny((name) => events.push(name));
    const reply = await h.handle(ctx);
    off();
    expect(reply.text).toBe('arxiv ran with {"mode":"id","id":"2401.12345"}');
    const [call] = h.tools.arxiv.calls;
    expect(call?.params).toEqual({ mode: 'id', id: '2401.12345' });
    expect(call?.ctx).toMatchObject({ taskId: ctx.task.id, actor: { isAdmin: true }, address: { platform: 'fake', chatId: 'chat-1' } });
    expect(events).toEqual(['task-routed', 'tool-started', 'tool-ended']);
    const trace = h.runtime.queue.events(ctx.task.id).map((e) => e.type);
    expect(trace).toEqual(expect.arrayContaining(['routed', 'tool:arxiv']));
    expect(h.runtime.queue.get(ctx.task.id)).toMatchObject({ status: 'executing', toolName: 'arxiv' });
  });

  it('refuses a tool to a user without its privileges, on every path, saying what would be needed', async () => {
    const reply = await h.handle(h.task('/run print(1)', { isAdmin: false }));
    expect(reply.text).toMatch(
      /^Sorry, \/run needs the right to run code .*, and you do not have it\. .*`access\.grants` \(user `fake:friend`\)/,
    );
    expect(h.tools.run_code.calls).toHaveLength(0);
    h.fake.answerChat(decisionJson('run_code', { language: 'python', code: 'print(1)' }, true, 'heavy'));
    const handedOff = await h.handle(h.task('crunch this dataset with some python for me', { isAdmin: false }));
    expect(handedOff.text).toContain('the run_code tool needs the right to run code');
    h.fake.answerChat(decisionJson('run_code', { language: 'python', code: 'print(1)' }, false, 'quick'));
    const routed = await h.handle(h.task('please evaluate 6*7 in python', { isAdmin: false }));
    expect(routed.text).toContain('the run_code tool needs the right to run code');
    expect(h.tools.run_code.calls).toHaveLength(0);
    const admin = await h.handle(h.task('/run print(1)'));
    expect(admin.text).toContain('run_code ran with');
  });

  it('passes tool progress to the thread and turns unexpected tool errors into TOOL_FAILED', async () => {
    h.tools.memory.answer = (_params, ctx) => {
      ctx.progress?.('searching...');
      throw new Error('lance table missing at /secret/path');
    };
    const ctx = h.task('/memory budget');
    const ended: Array<EventMap['tool-ended']> = [];
    h.runtime.bus.on('tool-ended', (e) => ended.push(e));
    const error = await h.handle(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PieBrainError);
    expect((error as PieBrainError).code).toBe('TOOL_FAILED');
    expect((error as PieBrainError).userMessage).not.toContain('/secret/path');
    expect(ctx.progressed).toEqual([{ text: 'searching...' }]);
    expect(ended).toEqual([expect.objectContaining({ toolName: 'memory', ok: false })]);
  });

  it('answers a handoff clearly when no cloud brain is set up, and hands it to the handler once one is', async () => {
    h.fake.onChat(() => decisionJson('git', { action: 'task', repo: 'notes', task: 'fix the failing test' }, true, 'coding'));
    const none = await h.handle(h.task('the tests in my notes repo fail, please fix them'));
    expect(none.text).toContain('no cloud brain is set up');

    const received: HandoffRequest[] = [];
    h.setup.dispatcher.setHandoffHandler(async (request) => {
      received.push(request);
      return { text: 'PR opened', footer: 'claude-code · $0.12' };
    });
    const ctx = h.task('the tests in my notes repo fail, please fix them now');
    expect(await h.handle(ctx)).toEqual({ text: 'PR opened', footer: 'claude-code · $0.12' });
    expect(received).toEqual([
      {
        prompt: 'the tests in my notes repo fail, please fix them now',
        toolName: 'git',
        params: { action: 'task', repo: 'notes', task: 'fix the failing test' },
        repo: 'notes',
        reason: 'coding',
      },
    ]);
  });

  it('tells the user what pie-brain can do when nothing fits', async () => {
    h.fake.down = true;
    const reply = await h.handle(h.task('zzz qqq'));
    expect(reply.text).toContain('I could not work out what you need: the local model could not help just now');
    expect(reply.text).toContain('/arxiv');
  });
});
