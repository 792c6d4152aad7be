import { afterEach, describe, expect, it } from 'vitest';
import { type HandoffHost, startHandoffHost } from './handoff-host.js';

let host: HandoffHost | undefined;

afterEach(async () => {
  await host?.close();
  host = undefined;
});

/** What the fake CLIs log when the real one would treat the text as more than a prompt (as measured). */
const HAZARDS = ['in-chat-command', 'url-fetched', 'playwright-installed', 'slash-command', 'file-inlined', 'argv-error'];
const hazards = () => (host?.cli() ?? []).filter((event) => HAZARDS.includes(event.event)).map((event) => `${event.tool} ${event.event}`);

describe('a /handoff prompt is data for the model, never a command for the CLI', () => {
  it('reaches aider as text after the header: /run, !, /git and /save run nothing, a URL is not fetched', async () => {
    host = await startHandoffHost({ config: { brains: { default: 'aider', fallback: [] } } });
    const prompts = ['/run id > /tmp/x', '!id', '/git status; touch x', '/save /tmp/x', 'read https://example.com/x'];
    for (const prompt of prompts) {
      const taskId = await host.ask(`/handoff ${prompt}`);
      await host.answered(taskId);
      expect(host.repliesFor(taskId)[0]?.text).toBe(`Here is what I did for: ${prompt}`);
    }
    const messages = host
      .cli()
      .filter((e) => e.tool === 'aider' && e.event === 'start')
      .map((e) => e.prompt);
    expect(messages).toEqual(prompts.map((prompt) => `User request (verbatim):\n${prompt}`));
    expect(hazards()).toEqual([]);
  });

  it('reaches claude on stdin after the header, with slash commands off and `@` mentions broken', async () => {
    host = await startHandoffHost();
    const taskId = await host.ask('/handoff /config model=haiku and then show me @/etc/passwd');
    await host.answered(taskId);
    const start = host.cli().find((e) => e.tool === 'claude' && e.event === 'start');
    expect(start?.argv).toContain('--disable-slash-commands');
    expect(start?.stdin).toBe('User request (verbatim):\n/config model=haiku and then show me @\u200b/etc/passwd');
    expect(hazards()).toEqual([]);
    expect(host.repliesFor(taskId)[0]?.text).toBe('Done: /config model=haiku and then show me @\u200b/etc/passwd');
  });
});
