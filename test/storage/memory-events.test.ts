import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toFtsQuery } from '../../core/memory-log/fts-query.js';
import { type Db, openDatabase } from '../../storage/db.js';
import { MemoryEventVectors } from '../../storage/memory-event-vectors.js';
import { MemoryEventStore, type NewMemoryEvent } from '../../storage/memory-events.js';
import { SqliteTaskQueue } from '../../storage/queue.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());

let counter = 0;
function open(): { db: Db; store: MemoryEventStore; vectors: MemoryEventVectors } {
  counter += 1;
  const db = openDatabase(join(dir.path, `events-${counter}.db`));
  return { db, store: new MemoryEventStore(db), vectors: new MemoryEventVectors(join(dir.path, `vectors-${counter}`)) };
}

const AT = Date.parse('2026-11-23T12:00:00Z');
const ANNA = { platform: 'telegram', userId: 'anna' };
const BEN = { platform: 'telegram', userId: 'ben' };

function event(overrides: Partial<NewMemoryEvent> = {}): NewMemoryEvent {
  return { at: AT, kind: 'request', taskId: 1, ...ANNA, chatId: 'c1', text: 'hello', data: null, ...overrides };
}

function unit(values: number[]): Float32Array {
  const norm = Math.hypot(...values);
  return Float32Array.from(values.map((v) => v / norm));
}

describe('the memory event store', () => {
  it('keeps events in order and shows each user only their own unless asked for everyone', () => {
    const { store } = open();
    store.append(event({ text: 'anna one' }));
    store.append(event({ ...BEN, taskId: 2, text: 'ben one' }));
    store.append(event({ kind: 'alert', taskId: null, platform: null, userId: null, chatId: null, text: 'disk almost full' }));
    store.append(event({ text: 'anna two', data: { tool: 'memory', params: { action: 'save' } } }));
    expect(store.recent(ANNA, 10).map((e) => e.text)).toEqual(['anna two', 'anna one']);
    expect(store.recent(BEN, 10).map((e) => e.text)).toEqual(['ben one']);
    expect(store.recent(null, 3).map((e) => e.text)).toEqual(['anna two', 'disk almost full', 'ben one']);
    expect(store.recent(ANNA, 1)[0]).toMatchObject({ kind: 'request', taskId: 1, data: { params: { action: 'save' } }, recall: false });
  });

  it('shows a reader their own events and, when asked in a chat, everything said in that chat and no other', () => {
    const { store } = open();
    store.append(event({ text: 'anna in the channel' }));
    store.append(event({ ...BEN, taskId: 2, text: 'ben in the channel' }));
    store.append(event({ ...BEN, taskId: 3, chatId: 'ben-private', text: 'ben in private' }));
    store.append(event({ taskId: 4, chatId: 'anna-private', text: 'anna in private' }));
    store.append(event({ platform: 'discord', userId: 'carl', taskId: 5, chatId: 'c1', text: 'a discord chat with the same id' }));
    const texts = (scope: Parameters<typeof store.recent>[0]) => store.recent(scope, 10).map((e) => e.text);
    expect(texts({ ...ANNA, chatId: 'c1' })).toEqual(['anna in private', 'ben in the channel', 'anna in the channel']);
    expect(texts({ ...ANNA, chatId: 'anna-private' })).toEqual(['anna in private', 'anna in the channel']);
    const found = store.find({ ...ANNA, chatId: 'c1' }, toFtsQuery('private') as string, { limit: 10 });
    expect(found.map((e) => e.text)).toEqual(['anna in private']);
    const ids = store.recent(null, 10).map((e) => e.id);
    expect([...store.searchable(ids, { ...ANNA, chatId: 'c1' })].length).toBe(3);
  });

  it('is append-only: an update is refused by the database itself', () => {
    const { db, store } = open();
    const id = store.append(event({ text: 'what really happened' }));
    expect(() => db.prepare('UPDATE memory_events SET text = ? WHERE id = ?').run('history rewritten', id)).toThrow(/append-only/);
    expect(store.get(id)?.text).toBe('what really happened');
  });

  it('finds events by words, stemmed, best match first, with the words marked', () => {
    const { store } = open();
    store.append(event({ text: 'save a note about sourdough bread' }));
    store.append(event({ taskId: 2, text: 'papers on retrieval augmented generation for small models' }));
    store.append(event({ taskId: 3, text: 'a paper about generation of sourdough recipes' }));
    const found = store.find(ANNA, toFtsQuery('paper generation') as string, { limit: 10 });
    expect(found.map((e) => e.taskId).sort()).toEqual([2, 3]);
    expect(found[0]?.snippet).toMatch(/\*papers?\*/i);
    expect(store.find(ANNA, toFtsQuery('sourd*') as string, { limit: 10 })).toHaveLength(2);
    expect(store.find(BEN, toFtsQuery('sourdough') as string, { limit: 10 })).toEqual([]);
  });

  it('turns any typed words into a query FTS5 accepts: operators and quotes are plain words', () => {
    const { store } = open();
    store.append(event({ text: 'the "quoted" NEAR word OR other: text' }));
    for (const hostile of ['"', 'NEAR(', 'OR', 'text:foo', '* *', '-x', 'a"b', ')(', '^start', 'col : val', '\u0000nul', 'AND NOT']) {
      const match = toFtsQuery(hostile);
      if (match) expect(() => store.find(null, match, { limit: 5 })).not.toThrow();
    }
    expect(toFtsQuery('   ')).toBeUndefined();
    expect(toFtsQuery('?? !!')).toBeUndefined();
    expect(toFtsQuery('say "hi"')).toBe('"say" """hi"""');
    expect(store.find(null, toFtsQuery('near or') as string, { limit: 5 })).toHaveLength(1);
  });

  it('leaves out the events of tasks that read memory back, and the asking task itself', () => {
    const { store } = open();
    store.append(event({ taskId: 1, text: 'I love sourdough' }));
    store.append(event({ taskId: 2, text: '/memory find sourdough' }));
    store.append(event({ taskId: 2, kind: 'tool', text: 'memory → recalled', recall: true }));
    store.append(event({ taskId: 3, text: '/memory find sourdough again' }));
    const match = toFtsQuery('sourdough') as string;
    expect(store.find(ANNA, match, { limit: 10, excludeTaskId: 3 }).map((e) => e.taskId)).toEqual([1]);
    expect(
      store
        .find(ANNA, match, { limit: 10 })
        .map((e) => e.taskId)
        .sort(),
    ).toEqual([1, 3]);
  });

  it('prunes old events with their search entries, and only by age', () => {
    const { store } = open();
    store.append(event({ at: AT - 400 * 86_400_000, text: 'ancient sourdough' }));
    store.append(event({ taskId: 2, text: 'fresh sourdough' }));
    expect(store.prune(AT - 365 * 86_400_000)).toBe(1);
    expect(store.find(null, toFtsQuery('sourdough') as string, { limit: 10 }).map((e) => e.text)).toEqual(['fresh sourdough']);
    expect(store.count()).toBe(1);
    expect(store.bounds()).toEqual({ first: 2, last: 2 });
  });

  it('hands out the texts to embed (not bookkeeping, not look-ups) and says which hits a search may show', () => {
    const { store } = open();
    const a = store.append(event({ text: 'anna asks' }));
    store.append(event({ kind: 'route', text: 'memory (slash)' }));
    const b = store.append(event({ ...BEN, taskId: 2, kind: 'reply', text: 'ben is answered' }));
    const lookUp = store.append(event({ taskId: 3, text: '/memory find x' }));
    store.append(event({ taskId: 3, kind: 'tool', text: 'recalled', recall: true }));
    expect(store.textEventsAfter(0, 10).map((row) => row.id)).toEqual([a, b, lookUp]);
    expect(store.textEventsAfter(a, 1)).toEqual([{ id: b, taskId: 2, platform: 'telegram', userId: 'ben', text: 'ben is answered' }]);
    expect([...store.searchable([a, b, lookUp], null)].sort()).toEqual([a, b]);
    expect([...store.searchable([a, b], null, 2)]).toEqual([a]);
    expect([...store.searchable([a, b], BEN)]).toEqual([b]);
  });

  it('keeps event vectors in LanceDB: nearest first, one user’s only, gone below an id, dropped for another model', async () => {
    const { vectors } = open();
    try {
      expect(await vectors.open('model-a')).toBe(false);
      await vectors.add([
        { eventId: 1, taskId: 1, ...ANNA, vector: unit([1, 0, 0]) },
        { eventId: 2, taskId: 2, ...BEN, vector: unit([0.9, 0.1, 0]) },
        { eventId: 3, taskId: 3, ...ANNA, vector: unit([0, 0, 1]) },
      ]);
      await vectors.add([{ eventId: 3, taskId: 3, ...ANNA, vector: unit([0, 1, 0]) }]);
      expect(await vectors.count()).toBe(3);
      const all = await vectors.nearest(unit([1, 0, 0]), null, 3);
      expect(all.map((row) => row.eventId)).toEqual([1, 2, 3]);
      expect(all[0]?.similarity).toBeCloseTo(1, 5);
      expect(all[2]?.similarity).toBeCloseTo(0, 5);
      expect((await vectors.nearest(unit([1, 0, 0]), ANNA, 3)).map((row) => row.eventId)).toEqual([1, 3]);
      expect(await vectors.nearest(unit([1, 0, 0]), { platform: "x' OR 1=1 --", userId: 'anna' }, 3)).toEqual([]);
      await vectors.deleteBelow(2);
      expect((await vectors.nearest(unit([1, 0, 0]), null, 3)).map((row) => row.eventId)).toEqual([2, 3]);
      await vectors.close();
      expect(await vectors.open('model-a')).toBe(true);
      expect(await vectors.open('model-b')).toBe(false);
      expect(await vectors.count()).toBe(0);
    } finally {
      await vectors.close();
    }
  });

  it('restores events with their own ids in one transaction, all or none, and numbers new tasks after theirs', () => {
    const { db, store } = open();
    const events = [
      {
        id: 7,
        at: AT,
        kind: 'request',
        taskId: 1,
        platform: 'telegram',
        chatId: 'c',
        userId: 'anna',
        text: 'seven',
        data: null,
        recall: false,
      },
      {
        id: 9,
        at: AT,
        kind: 'reply',
        taskId: 1,
        platform: 'telegram',
        chatId: 'c',
        userId: 'anna',
        text: 'nine',
        data: { a: 1 },
        recall: false,
      },
    ];
    expect(store.restore(events)).toBe(2);
    expect(store.get(9)).toEqual(events[1]);
    expect(() => store.restore([{ ...events[0], id: 10 } as (typeof events)[0], events[0] as (typeof events)[0]])).toThrow();
    expect(store.count()).toBe(2);
    expect(store.append(event())).toBe(10);
    // The next task is numbered after the restored ones: its events never mix with task 1's.
    const queue = new SqliteTaskQueue(db);
    const next = queue.enqueue(
      { platform: 'telegram', chatId: 'c', userId: 'anna', userName: 'Anna', platformMessageId: 'm1', text: 'hi', message: {} },
      AT,
    );
    expect(next.taskId).toBe(2);
    store.restore([{ ...(events[0] as (typeof events)[0]), id: 20, taskId: 41 }]);
    expect(
      queue.enqueue(
        { platform: 'telegram', chatId: 'c', userId: 'anna', userName: 'Anna', platformMessageId: 'm2', text: 'hi', message: {} },
        AT,
      ).taskId,
    ).toBe(42);
  });
});
