import { z } from 'zod';

/**
 * The memory snapshot: JSON Lines, a header first, then one event or one note per line. Readers accept
 * their own version and older ones; a newer file is refused with a message that says so.
 */
export const SNAPSHOT_FORMAT = 'pie-brain-memory';
export const SNAPSHOT_VERSION = 1;

export const snapshotHeader = z.object({
  type: z.literal('header'),
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.number().int().min(1),
  createdAt: z.string(),
  /** Only what happened from this moment on (`--since`); null: everything. */
  since: z.string().nullable(),
  events: z.number().int().min(0),
  notes: z.number().int().min(0),
  pieBrain: z.string(),
});

export const snapshotEvent = z.object({
  type: z.literal('event'),
  id: z.number().int().positive(),
  at: z.number().int(),
  kind: z.string().min(1).max(40),
  taskId: z.number().int().nullable(),
  platform: z.string().nullable(),
  chatId: z.string().nullable(),
  userId: z.string().nullable(),
  text: z.string(),
  data: z.record(z.string(), z.unknown()).nullable(),
  recall: z.boolean(),
});

// A note's name is one file name in the inbox: no folder, no way out of it, nothing hidden.
const noteName = z
  .string()
  .max(255)
  .regex(/^[^/\\\0]+\.md$/, 'a note name is one Markdown file name, without folders')
  .refine((name) => !name.startsWith('.'), 'a note name cannot start with a dot');

export const snapshotNote = z.object({
  type: z.literal('note'),
  name: noteName,
  modifiedAt: z.number(),
  content: z.string(),
});

export type SnapshotHeader = z.infer<typeof snapshotHeader>;
export type SnapshotEvent = z.infer<typeof snapshotEvent>;
export type SnapshotNote = z.infer<typeof snapshotNote>;

export const snapshotLine = z.discriminatedUnion('type', [snapshotEvent, snapshotNote]);
