import { describeNoteIndexContract } from '../contracts/note-index.js';
import { FakeNoteIndex } from '../fakes/note-index.js';

// The fake other tools' tests use must keep the contract the real LanceDB store keeps (test/tools/lib/note-store.test.ts).
describeNoteIndexContract('in-memory FakeNoteIndex', async () => ({ index: new FakeNoteIndex(0.8), close: async () => {} }));
