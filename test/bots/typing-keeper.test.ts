import { describe, expect, it } from 'vitest';
import { TypingKeeper } from '../../bots/telegram/typing-keeper.js';
import { FakeClock } from '../fakes/clock.js';

function keeper() {
  const clock = new FakeClock();
  const typing = new TypingKeeper({ clock, intervalMs: 4500, maxMs: 120_000 });
  let shown = 0;
  const pending: Array<() => void> = [];
  // Each call to the platform resolves only when the test lets it: the request is on its way meanwhile.
  const slowShow = () =>
    new Promise<void>((resolve) => {
      shown += 1;
      pending.push(resolve);
    });
  const quickShow = async () => {
    shown += 1;
  };
  return { clock, typing, slowShow, quickShow, shown: () => shown, arrive: () => pending.shift()?.() };
}

describe('TypingKeeper', () => {
  it('repeats the indicator until the reply is sent', async () => {
    const { clock, typing, quickShow, shown } = keeper();
    await typing.begin('chat', quickShow);
    await clock.advance(9_000);
    expect(shown()).toBe(3);
    typing.end('chat');
    await clock.advance(60_000);
    expect(shown()).toBe(3);
    expect(typing.size).toBe(0);
  });

  it('stops when the reply goes out while the first indicator is still on its way', async () => {
    const { clock, typing, slowShow, shown, arrive } = keeper();
    const begun = typing.begin('chat', slowShow);
    // A quick command: its reply is sent before Telegram has answered sendChatAction.
    typing.end('chat');
    arrive();
    await begun;
    await clock.advance(120_000);
    expect(shown()).toBe(1);
    expect(typing.size).toBe(0);
  });

  it('gives up after maxMs when no reply comes', async () => {
    const { clock, typing, quickShow, shown } = keeper();
    await typing.begin('chat', quickShow);
    await clock.advance(600_000);
    expect(shown()).toBeLessThanOrEqual(Math.ceil(120_000 / 4500) + 1);
    expect(typing.size).toBe(0);
  });

  it('forgets a chat whose first indicator failed', async () => {
    const { typing } = keeper();
    await expect(
      typing.begin('chat', async () => {
        throw new Error('429');
      }),
    ).rejects.toThrow('429');
    expect(typing.size).toBe(0);
  });
});
