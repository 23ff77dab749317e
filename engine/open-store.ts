import { resolve } from 'node:path';
import type { Config } from './config.ts';
import type { Store } from './store.ts';
import { AppError } from './errors.ts';
import { createSqliteStore } from '../adapters/store/sqlite/sqlite-store.ts';
import { createMemoryStore } from '../adapters/store/memory/memory-store.ts';
import { createRedisStore } from '../adapters/store/redis/redis-store.ts';

type StoreConfig = Pick<Config, 'STORE' | 'DATA_DIR' | 'SQLITE_SYNCHRONOUS'> & Partial<Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'REDIS_PREFIX' | 'REDIS_TLS_CA_FILE'>>;

/**
 * The store the configuration names: embedded SQLite under DATA_DIR unless told otherwise. loadConfig
 * picks redis when REDIS_URL or REDIS_CLUSTER_NODES is set and STORE is not; REDIS_CLUSTER_NODES means
 * a Redis Cluster (REDIS_URL then only lends its password and TLS).
 */
export function openStore(config: StoreConfig): Store {
  if (config.STORE === 'memory') return createMemoryStore();
  if (config.STORE === 'redis') {
    if (!config.REDIS_URL && !config.REDIS_CLUSTER_NODES) throw new AppError('CONFIG_INVALID', 'STORE=redis needs REDIS_URL or REDIS_CLUSTER_NODES');
    return createRedisStore({
      settings: {
        ...(config.REDIS_URL ? { url: config.REDIS_URL } : {}),
        ...(config.REDIS_CLUSTER_NODES ? { clusterNodes: config.REDIS_CLUSTER_NODES } : {}),
        ...(config.REDIS_TLS_CA_FILE ? { tlsCaFile: config.REDIS_TLS_CA_FILE } : {}),
      },
      prefix: config.REDIS_PREFIX ?? 'intake:',
    });
  }
  return createSqliteStore({ dataDir: resolve(config.DATA_DIR), synchronous: config.SQLITE_SYNCHRONOUS });
}
