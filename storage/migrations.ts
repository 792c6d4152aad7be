/**
 * Versioned schema migrations. Each one runs once, in order, inside a transaction; `PRAGMA user_version`
 * records how far a database has come, so an old database upgrades in place. Never edit a shipped
 * migration: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
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
      CREATE INDEX tasks_lease ON tasks (status, lease_until);
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
    `,
  },
  {
    version: 3,
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
];
