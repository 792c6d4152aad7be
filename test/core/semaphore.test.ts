import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../core/lib/semaphore.js';

describe('Semaphore', () => {
  it('serves waiters first in, first out, and lets an aborted waiter leave the line', async () => {
    const semaphore = new Semaphore(1);
    const order: string[] = [];
    const release = await semaphore.acquire();
    const cancel = new AbortController();
    const second = semaphore.acquire().then((done) => {
      order.push('second');
      return done;
    });
    const leaving = semaphore.acquire(cancel.signal).then(
      () => order.push('leaving'),
      (reason: unknown) => order.push(`left: ${String(reason)}`),
    );
    const third = semaphore.acquire().then((done) => {
      order.push('third');
      done();
    });
    expect(semaphore.waiting).toBe(3);
    cancel.abort('cancelled');
    await leaving;
    expect(semaphore.waiting).toBe(2);
    release();
    (await second)();
    await third;
    expect(order).toEqual(['left: cancelled', 'second', 'third']);
    expect(semaphore.inUse).toBe(0);
  });

  it('refuses at once when the signal is already aborted', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.acquire(AbortSignal.abort('gone'))).rejects.toBe('gone');
    expect(semaphore.inUse).toBe(0);
  });
});
