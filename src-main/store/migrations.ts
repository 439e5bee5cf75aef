/**
 * Schema migrations, in order. Migration i brings the schema from version i to
 * i + 1 (PRAGMA user_version). Never edit a released migration: append a new one.
 * The schema is documented for users in docs/database.md.
 */
export const migrations: string[] = [
  // 1: structures read from files, stored once per content hash.
  `
  CREATE TABLE structure (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    source_file TEXT NOT NULL,
    block TEXT,
    formula TEXT NOT NULL,
    n_sites INTEGER NOT NULL,
    format TEXT NOT NULL,
    data TEXT NOT NULL,
    summary TEXT NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL
  );
  CREATE INDEX structure_created ON structure(created_at);
  `,
];
