/**
 * Versioned schema migrations. Each one runs once, in order, inside a transaction; `PRAGMA user_version`
 * records how far a database has come, so an old database upgrades in place. Never edit a shipped
 * migration: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * Runs with foreign keys off, checked with foreign_key_check before it commits: a migration that rebuilds
   * a table under its own name (SQLite's way to change what ALTER TABLE cannot) must not cascade the drop of
   * the old table to the rows that point at it.
   */
  rebuildsTables?: boolean;
}

/**
 * The outbox rebuilt under its own name (the way SQLite changes a column's definition), rows, ids and the
 * index of unique dedupe keys kept; `taskId` is the definition of its task_id column.
 */
function rebuildOutbox(taskId: string): string {
  return `CREATE TABLE outbox_rebuilt (
        id INTEGER PRIMARY KEY,
        task_id ${taskId},
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        thread_id TEXT,
        reply_to TEXT,
        body TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        receipt TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        last_error TEXT,
        kind TEXT NOT NULL DEFAULT 'reply',
        dedupe_key TEXT,
        resent_after_crash INTEGER NOT NULL DEFAULT 0,
        parts_sent INTEGER NOT NULL DEFAULT 0
      );
      INSERT INTO outbox_rebuilt (id, task_id, platform, chat_id, thread_id, reply_to, body, status, attempts,
          next_attempt_at, receipt, created_at, sent_at, last_error, kind, dedupe_key, resent_after_crash, parts_sent)
        SELECT id, task_id, platform, chat_id, thread_id, reply_to, body, status, attempts,
          next_attempt_at, receipt, created_at, sent_at, last_error, kind, dedupe_key, resent_after_crash, parts_sent
        FROM outbox;
      DROP TABLE outbox;
      ALTER TABLE outbox_rebuilt RENAME TO outbox;
      CREATE UNIQUE INDEX outbox_dedupe ON outbox (dedupe_key) WHERE dedupe_key IS NOT NULL;`;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'tasks, outbox, ledger',
    sql: `
      CREATE TABLE tasks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_text TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        tool_name TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        thread_id TEXT,
        user_id TEXT NOT NULL,
        platform_message_id TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_until INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        error TEXT,
        UNIQUE (platform, platform_message_id)
      );
      CREATE INDEX tasks_status ON tasks (status, id);
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER REFERENCES tasks (id),
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        thread_id TEXT,
        reply_to TEXT,
        body TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        receipt TEXT,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        last_error TEXT
      );
      CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
      CREATE TABLE ledger (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        tokens_in INTEGER NOT NULL DEFAULT 0,
        tokens_out INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        latency_ms INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'task trace, reply address, ledger detail, outbox keys',
    sql: `
      CREATE TABLE task_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER NOT NULL,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        duration_ms INTEGER,
        tokens_in INTEGER,
        tokens_out INTEGER,
        cost_usd REAL,
        data TEXT
      );
      CREATE INDEX task_events_task ON task_events (task_id, id);
      ALTER TABLE tasks ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
      ALTER TABLE tasks ADD COLUMN reply_to TEXT;
      ALTER TABLE tasks ADD COLUMN message TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE tasks ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE tasks ADD COLUMN lease_owner TEXT;
      ALTER TABLE tasks ADD COLUMN claimed_at INTEGER;
      ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'reply';
      ALTER TABLE outbox ADD COLUMN dedupe_key TEXT;
      ALTER TABLE outbox ADD COLUMN resent_after_crash INTEGER NOT NULL DEFAULT 0;
      CREATE UNIQUE INDEX outbox_dedupe ON outbox (dedupe_key) WHERE dedupe_key IS NOT NULL;
      ALTER TABLE ledger ADD COLUMN kind TEXT NOT NULL DEFAULT 'llm';
      ALTER TABLE ledger ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE ledger ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE ledger ADD COLUMN estimated INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE ledger ADD COLUMN reported_cost_usd REAL;
      ALTER TABLE ledger ADD COLUMN purpose TEXT;
      ALTER TABLE ledger ADD COLUMN data TEXT;
      CREATE INDEX ledger_time ON ledger (created_at);
      CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
      -- Finished tasks (nearly all rows) stay out of the hot indexes: a claim or a completion touches
      -- only the small partial indexes of pending and running tasks.
      DROP INDEX tasks_status;
      DROP INDEX outbox_due;
      CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX outbox_task ON outbox (task_id) WHERE task_id IS NOT NULL;
      CREATE INDEX tasks_pending ON tasks (id) WHERE status = 'pending';
      CREATE INDEX tasks_active ON tasks (lease_until) WHERE status IN ('routing', 'executing');
    `,
  },
  {
    version: 3,
    name: 'job runs and digest subscriptions',
    sql: `
      CREATE TABLE job_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job TEXT NOT NULL,
        scheduled_for INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        status TEXT NOT NULL,
        caught_up INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        detail TEXT
      );
      CREATE INDEX job_runs_job ON job_runs (job, scheduled_for);
      CREATE TABLE digest_subscriptions (
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        thread_id TEXT,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (platform, chat_id)
      );
    `,
  },
  {
    version: 4,
    name: 'code runs and the fetch cache',
    sql: `
      CREATE TABLE code_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER,
        user_id TEXT NOT NULL,
        language TEXT NOT NULL,
        code TEXT NOT NULL,
        args TEXT NOT NULL DEFAULT '[]',
        exit_code INTEGER,
        signal TEXT,
        timed_out INTEGER NOT NULL DEFAULT 0,
        truncated INTEGER NOT NULL DEFAULT 0,
        stdout TEXT NOT NULL DEFAULT '',
        stderr TEXT NOT NULL DEFAULT '',
        duration_ms INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX code_runs_time ON code_runs (created_at);
      CREATE TABLE fetch_cache (key TEXT PRIMARY KEY, body TEXT NOT NULL, fetched_at INTEGER NOT NULL);
      CREATE INDEX fetch_cache_time ON fetch_cache (fetched_at);
    `,
  },
  {
    version: 5,
    name: 'costs',
    sql: `
      CREATE INDEX ledger_task ON ledger (task_id) WHERE task_id IS NOT NULL;
      CREATE TABLE spend_reservations (
        id TEXT PRIMARY KEY,
        task_id INTEGER,
        provider TEXT NOT NULL,
        model TEXT,
        purpose TEXT NOT NULL,
        cap_usd REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'held',
        actual_usd REAL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        settled_at INTEGER
      );
      CREATE INDEX spend_reservations_held ON spend_reservations (status, created_at);
      CREATE TABLE llm_cache (
        key TEXT PRIMARY KEY,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        response TEXT NOT NULL,
        tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL NOT NULL DEFAULT 0,
        hits INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER NOT NULL
      );
      CREATE INDEX llm_cache_used ON llm_cache (used_at);
      CREATE TABLE llm_cache_hits (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        provider TEXT NOT NULL,
        tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL
      );
      CREATE INDEX llm_cache_hits_time ON llm_cache_hits (at);
      -- Spend rolled up in 15-minute buckets (every time zone's midnight falls on one) and per task,
      -- kept by triggers so reports read thousands of rows instead of a month of ledger.
      CREATE TABLE ledger_rollup (
        bucket INTEGER NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        kind TEXT NOT NULL,
        calls INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        tokens_in INTEGER NOT NULL,
        tokens_out INTEGER NOT NULL,
        reported_usd REAL NOT NULL,
        estimated_usd REAL NOT NULL,
        PRIMARY KEY (bucket, provider, model, kind)
      ) WITHOUT ROWID;
      INSERT INTO ledger_rollup
        SELECT created_at / 900000, provider, model, kind, COUNT(*), SUM(cost_usd), SUM(tokens_in), SUM(tokens_out),
               COALESCE(SUM(reported_cost_usd), 0), SUM(CASE WHEN estimated = 1 THEN cost_usd ELSE 0 END)
        FROM ledger GROUP BY 1, 2, 3, 4;
      CREATE TABLE ledger_task_spend (
        task_id INTEGER PRIMARY KEY,
        cost_usd REAL NOT NULL,
        first_at INTEGER NOT NULL,
        providers TEXT NOT NULL
      );
      CREATE INDEX ledger_task_spend_time ON ledger_task_spend (first_at, cost_usd);
      INSERT INTO ledger_task_spend
        SELECT task_id, SUM(cost_usd), MIN(created_at), GROUP_CONCAT(DISTINCT provider)
        FROM ledger WHERE task_id IS NOT NULL AND cost_usd > 0 GROUP BY task_id;
      CREATE TRIGGER ledger_rollup_insert AFTER INSERT ON ledger BEGIN
        INSERT INTO ledger_rollup (bucket, provider, model, kind, calls, cost_usd, tokens_in, tokens_out, reported_usd, estimated_usd)
        VALUES (NEW.created_at / 900000, NEW.provider, NEW.model, NEW.kind, 1, NEW.cost_usd, NEW.tokens_in, NEW.tokens_out,
                COALESCE(NEW.reported_cost_usd, 0), CASE WHEN NEW.estimated = 1 THEN NEW.cost_usd ELSE 0 END)
        ON CONFLICT (bucket, provider, model, kind) DO UPDATE SET
          calls = calls + 1, cost_usd = cost_usd + excluded.cost_usd, tokens_in = tokens_in + excluded.tokens_in,
          tokens_out = tokens_out + excluded.tokens_out, reported_usd = reported_usd + excluded.reported_usd,
          estimated_usd = estimated_usd + excluded.estimated_usd;
      END;
      CREATE TRIGGER ledger_task_spend_insert AFTER INSERT ON ledger WHEN NEW.task_id IS NOT NULL AND NEW.cost_usd > 0 BEGIN
        INSERT INTO ledger_task_spend (task_id, cost_usd, first_at, providers) VALUES (NEW.task_id, NEW.cost_usd, NEW.created_at, NEW.provider)
        ON CONFLICT (task_id) DO UPDATE SET
          cost_usd = cost_usd + excluded.cost_usd,
          first_at = MIN(first_at, excluded.first_at),
          providers = CASE WHEN instr(',' || providers || ',', ',' || excluded.providers || ',') > 0 THEN providers
                           ELSE providers || ',' || excluded.providers END;
      END;
      CREATE TRIGGER ledger_rollup_delete AFTER DELETE ON ledger BEGIN
        UPDATE ledger_rollup SET
          calls = calls - 1, cost_usd = cost_usd - OLD.cost_usd, tokens_in = tokens_in - OLD.tokens_in,
          tokens_out = tokens_out - OLD.tokens_out, reported_usd = reported_usd - COALESCE(OLD.reported_cost_usd, 0),
          estimated_usd = estimated_usd - CASE WHEN OLD.estimated = 1 THEN OLD.cost_usd ELSE 0 END
        WHERE bucket = OLD.created_at / 900000 AND provider = OLD.provider AND model = OLD.model AND kind = OLD.kind;
        DELETE FROM ledger_rollup
        WHERE bucket = OLD.created_at / 900000 AND provider = OLD.provider AND model = OLD.model AND kind = OLD.kind AND calls <= 0;
        UPDATE ledger_task_spend SET cost_usd = cost_usd - OLD.cost_usd WHERE task_id = OLD.task_id AND OLD.cost_usd > 0;
        DELETE FROM ledger_task_spend WHERE task_id = OLD.task_id AND NOT EXISTS (SELECT 1 FROM ledger WHERE task_id = OLD.task_id AND cost_usd > 0);
      END;
    `,
  },
  {
    version: 6,
    name: 'brain runs',
    sql: `
      CREATE TABLE brain_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        brain TEXT NOT NULL,
        status TEXT NOT NULL,
        outcome TEXT,
        reason TEXT,
        pid INTEGER,
        boot_id TEXT,
        proc_start TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        exit_code INTEGER,
        cwd TEXT NOT NULL,
        run_dir TEXT NOT NULL,
        thread_key TEXT NOT NULL,
        repo TEXT,
        branch TEXT,
        session_id TEXT,
        cap_usd REAL NOT NULL DEFAULT 0,
        purpose TEXT,
        cost_usd REAL,
        result TEXT,
        settled INTEGER NOT NULL DEFAULT 0,
        pr_url TEXT,
        UNIQUE (task_id, seq)
      );
      CREATE INDEX brain_runs_open ON brain_runs (status) WHERE status != 'ended';
      CREATE INDEX brain_runs_thread ON brain_runs (thread_key, brain, id);
    `,
  },
  {
    version: 7,
    name: 'outbox parts',
    sql: `
      -- Delivery splits a long reply into parts and records each one sent, so a crash in the middle of a
      -- reply resumes with the next part; receipt holds the platform id of the last part sent.
      ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 8,
    name: 'brain runs: who asked, and the spend reservation they hold',
    sql: `
      ALTER TABLE brain_runs ADD COLUMN user_id TEXT;
      ALTER TABLE brain_runs ADD COLUMN reservation_id TEXT;
      DROP INDEX brain_runs_thread;
      CREATE INDEX brain_runs_session ON brain_runs (thread_key, user_id, brain, id);
    `,
  },
  {
    version: 9,
    name: 'plan sessions',
    sql: `
      -- One /plan per task, its steps in order. A step is marked running before it starts and settled after
      -- it ends, so a task run again after a crash knows which steps are done and which one was cut short.
      -- Retention prunes a plan with its task.
      CREATE TABLE plan_sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER NOT NULL UNIQUE REFERENCES tasks (id) ON DELETE CASCADE,
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        goal TEXT NOT NULL,
        source TEXT NOT NULL,
        problem TEXT,
        context TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'running',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        finished_at INTEGER
      );
      CREATE INDEX plan_sessions_user ON plan_sessions (platform, user_id, id);
      CREATE TABLE plan_steps (
        session_id INTEGER NOT NULL REFERENCES plan_sessions (id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        title TEXT NOT NULL,
        tool_name TEXT NOT NULL,
        params TEXT NOT NULL,
        handoff INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        started_at INTEGER,
        ended_at INTEGER,
        reply TEXT,
        error TEXT,
        PRIMARY KEY (session_id, idx)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 10,
    name: 'spend by user',
    sql: `
      -- Who a paid call was for: a user granted the right to spend may use only their share of the budget.
      ALTER TABLE spend_reservations ADD COLUMN user_key TEXT;
      CREATE INDEX spend_reservations_user ON spend_reservations (user_key, created_at) WHERE user_key IS NOT NULL;
    `,
  },
  {
    version: 11,
    name: 'memory event log',
    sql: `
      -- What happened, append-only: requests, route decisions, tool calls, replies, model calls, cloud runs.
      -- Rows are never updated (a trigger refuses it); only retention deletes old ones.
      CREATE TABLE memory_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        task_id INTEGER,
        platform TEXT,
        chat_id TEXT,
        user_id TEXT,
        text TEXT NOT NULL,
        data TEXT,
        recall INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX memory_events_time ON memory_events (at);
      CREATE INDEX memory_events_user ON memory_events (platform, user_id, id);
      -- Tasks that only read memory back (their events stay out of searches): a small partial index.
      CREATE INDEX memory_events_recall ON memory_events (task_id) WHERE recall = 1;
      CREATE VIRTUAL TABLE memory_events_fts USING fts5 (
        text, content = 'memory_events', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER memory_events_fts_insert AFTER INSERT ON memory_events BEGIN
        INSERT INTO memory_events_fts (rowid, text) VALUES (NEW.id, NEW.text);
      END;
      CREATE TRIGGER memory_events_fts_delete AFTER DELETE ON memory_events BEGIN
        INSERT INTO memory_events_fts (memory_events_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
      END;
      CREATE TRIGGER memory_events_append_only BEFORE UPDATE ON memory_events BEGIN
        SELECT RAISE(ABORT, 'the memory event log is append-only');
      END;
    `,
  },
  {
    version: 12,
    name: 'outbox pending rows by chat',
    // Delivery's round robin asks for the oldest due row of each chat: pending rows by chat, in id order,
    // answer that by walking an index instead of sorting twice (a window over every pending row). The index
    // holds only the few pending rows, so it also answers "when is the next one due": the index by due time
    // goes, and each message writes two index pages fewer.
    sql: `
      CREATE INDEX outbox_pending_chat ON outbox (platform, chat_id, id) WHERE status = 'pending';
      DROP INDEX outbox_pending;
    `,
  },
  {
    version: 13,
    name: 'task and outbox ids without AUTOINCREMENT, one index of open tasks',
    // Each message wrote sqlite_sequence twice (its task and its reply), and its claim moved the task from the
    // pending index to the running one: four WAL pages of sixteen. Ids are named outside their rows (brain runs and the
    // ledger by task, dedupe keys, the memory log, a kept digest's outbox ids), so an id must never be handed out
    // twice; a plain INTEGER PRIMARY KEY would hand out the largest id plus one again once the newest rows are
    // deleted. id_floor keeps, per table, the largest id of a deleted row (a trigger raises it on every delete,
    // however the row goes), and a new row's id is one above both that and the largest id in the table: the
    // promise of AUTOINCREMENT, with a write only when rows are deleted. Pending and running tasks share one
    // index of open tasks: it names only ended_at (set when a task reaches its final status), which a claim
    // does not change, so a claim rewrites the task's row and no index page at all.
    rebuildsTables: true,
    sql: `
      CREATE TABLE id_floor (name TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO id_floor (name, id) SELECT name, seq FROM sqlite_sequence WHERE name IN ('tasks', 'outbox');

      CREATE TABLE tasks_rebuilt (
        id INTEGER PRIMARY KEY,
        request_text TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        tool_name TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        thread_id TEXT,
        user_id TEXT NOT NULL,
        platform_message_id TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_until INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        error TEXT,
        user_name TEXT NOT NULL DEFAULT '',
        reply_to TEXT,
        message TEXT NOT NULL DEFAULT '{}',
        not_before INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        claimed_at INTEGER,
        ended_at INTEGER,
        UNIQUE (platform, platform_message_id)
      );
      INSERT INTO tasks_rebuilt (id, request_text, status, tool_name, metadata, platform, chat_id, thread_id, user_id,
          platform_message_id, attempts, lease_until, created_at, updated_at, error, user_name, reply_to, message,
          not_before, lease_owner, claimed_at, ended_at)
        SELECT id, request_text, status, tool_name, metadata, platform, chat_id, thread_id, user_id,
          platform_message_id, attempts, lease_until, created_at, updated_at, error, user_name, reply_to, message,
          not_before, lease_owner, claimed_at,
          CASE WHEN status IN ('done', 'failed', 'dead', 'cancelled') THEN updated_at END
        FROM tasks;
      DROP TABLE tasks;
      ALTER TABLE tasks_rebuilt RENAME TO tasks;
      CREATE INDEX tasks_open ON tasks (id) WHERE ended_at IS NULL;

      ${rebuildOutbox('INTEGER REFERENCES tasks (id)')}
      CREATE INDEX outbox_task ON outbox (task_id) WHERE task_id IS NOT NULL;
      CREATE INDEX outbox_pending_chat ON outbox (platform, chat_id, id) WHERE status = 'pending';

      CREATE TRIGGER tasks_id_floor AFTER DELETE ON tasks BEGIN
        INSERT INTO id_floor (name, id) VALUES ('tasks', OLD.id) ON CONFLICT (name) DO UPDATE SET id = MAX(id, excluded.id);
      END;
      CREATE TRIGGER outbox_id_floor AFTER DELETE ON outbox BEGIN
        INSERT INTO id_floor (name, id) VALUES ('outbox', OLD.id) ON CONFLICT (name) DO UPDATE SET id = MAX(id, excluded.id);
      END;
    `,
  },
  {
    version: 14,
    name: 'open tasks found from a cursor, not an index',
    // Every intake inserted into the index of open tasks and every completion deleted from it: two of the
    // twelve WAL pages a message wrote. The queue finds open tasks by walking ids from the oldest open one
    // instead (see SqliteTaskQueue).
    sql: `DROP INDEX tasks_open;`,
  },
  {
    version: 15,
    name: 'replies found from a bound kept on their task, not an index by task',
    // Every reply wrote a page of the outbox's index by task: one of the ten WAL pages a message wrote. The
    // index was there for the foreign key from replies to tasks (SQLite scans the replies for each task
    // deleted) and for a task's replies (the trace, the memory log). A task now keeps outbox_from, the
    // next outbox id when it was queued: its replies all come later, so they are found by walking ids from
    // there. Replies name their task without a foreign key: the outbox refuses a reply for a task that does
    // not exist (the queue adds replies in the transaction that changes their task), and retention deletes
    // a task's replies before the task.
    rebuildsTables: true,
    sql: `
      ALTER TABLE tasks ADD COLUMN outbox_from INTEGER NOT NULL DEFAULT 0;
      UPDATE tasks SET outbox_from = IFNULL((SELECT MIN(id) FROM outbox WHERE task_id = tasks.id), (SELECT IFNULL(MAX(id), 0) + 1 FROM outbox));
      ${rebuildOutbox('INTEGER')}
      CREATE INDEX outbox_pending_chat ON outbox (platform, chat_id, id) WHERE status = 'pending';
      CREATE TRIGGER outbox_id_floor AFTER DELETE ON outbox BEGIN
        INSERT INTO id_floor (name, id) VALUES ('outbox', OLD.id) ON CONFLICT (name) DO UPDATE SET id = MAX(id, excluded.id);
      END;
    `,
  },
];
