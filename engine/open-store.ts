import { resolve } from 'node:path';
import type { Config } from './config.ts';
import type { Store } from './store.ts';
import { createSqliteStore } from '../adapters/store/sqlite/sqlite-store.ts';
import { createMemoryStore } from '../adapters/store/memory/memory-store.ts';

/** The store the configuration names: embedded SQLite under DATA_DIR unless told otherwise. */
export function openStore(config: Pick<Config, 'STORE' | 'DATA_DIR' | 'SQLITE_SYNCHRONOUS'>): Store {
  if (config.STORE === 'memory') return createMemoryStore();
  return createSqliteStore({ dataDir: resolve(config.DATA_DIR), synchronous: config.SQLITE_SYNCHRONOUS });
}
