// The registry's SQLite schema and its migrations. Each migration runs once, in order, inside a
// transaction, and is recorded in `schema_migrations`; a file written by a newer Tessera (a
// migration we do not know) is refused rather than guessed at.
import type { Database } from "better-sqlite3";
import { RegistryStoreError } from "./registry-store.ts";

interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "agents, weights, quotas and singleton rows",
    sql: `
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO meta (key, value) VALUES ('registry_version', '0');
      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('admitted', 'unreachable', 'gone')),
        record TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE weights (
        role TEXT PRIMARY KEY,
        weight REAL NOT NULL CHECK (weight > 0)
      ) WITHOUT ROWID;
      CREATE TABLE quotas (
        role TEXT PRIMARY KEY,
        config TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Brings the schema up to `SCHEMA_VERSION`; `nowMs` stamps each migration applied. */
export function migrate(db: Database, path: string, nowMs: number): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at_ms INTEGER NOT NULL
  )`);
  const row = db.prepare("SELECT MAX(version) AS version FROM schema_migrations").get() as {
    version: number | null;
  };
  const current = row.version ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new RegistryStoreError(
      "schema_too_new",
      `registry ${path} has schema version ${current}, newer than this Tessera supports ` +
        `(${SCHEMA_VERSION}); run a newer Tessera or restore an older registry`,
    );
  }
  const record = db.prepare(
    "INSERT INTO schema_migrations (version, description, applied_at_ms) VALUES (?, ?, ?)",
  );
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.description, nowMs);
    }).immediate();
  }
}
