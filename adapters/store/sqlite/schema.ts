// Records are stored whole as JSON; the columns beside them exist only to look records up and to
// check versions. Adding a field to a record therefore needs no migration.
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  channel_user_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  data TEXT NOT NULL,
  UNIQUE (channel, channel_user_id)
);
CREATE INDEX IF NOT EXISTS conversations_status ON conversations (status, updated_at);
CREATE TABLE IF NOT EXISTS customers (
  id TEXT PRIMARY KEY,
  phone TEXT,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS customers_phone ON customers (phone);
CREATE TABLE IF NOT EXISTS tickets (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_customer ON tickets (customer_id, created_at);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (status, created_at);
CREATE TABLE IF NOT EXISTS messages (
  conversation_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (conversation_id, n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS turns (
  key TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  data TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_ms INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
  id TEXT PRIMARY KEY,
  not_before TEXT NOT NULL,
  data TEXT NOT NULL
) WITHOUT ROWID;
`;
