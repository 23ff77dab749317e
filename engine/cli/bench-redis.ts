import type { Redis } from 'ioredis';
import type { RedisClient } from '../../adapters/store/redis/connection.ts';

export interface RedisFigures {
  commandsPerTurn: number;
  /** MEMORY USAGE of everything a finished, idle conversation keeps, averaged over all of them. */
  bytesPerConversation: number;
  bytesPerJob: number;
  jobs: number;
}

/** Sums MEMORY USAGE over the benchmark's keys (SCAN under its prefix), then deletes them. */
export async function measureRedis(client: RedisClient, prefix: string, conversations: number, commandsPerTurn: number): Promise<RedisFigures> {
  let conversationBytes = 0;
  let jobBytes = 0;
  let jobs = 0;
  const keys: string[] = [];
  let cursor = '0';
  do {
    // The benchmark runs on one server (REDIS_URL), never a Cluster.
    const [next, batch] = await (client as Redis).scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const pipe = client.pipeline();
    for (const k of chunk) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    const sizes = (await pipe.exec()) ?? [];
    chunk.forEach((k, j) => {
      const bytes = Number(sizes[j]?.[1] ?? 0);
      if (k.includes('{sched}')) {
        jobBytes += bytes;
        if (k.includes(':job:')) jobs++;
      } else if (!k.includes('lease:')) conversationBytes += bytes;
    });
  }
  for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  return {
    commandsPerTurn,
    bytesPerConversation: Math.round(conversationBytes / conversations),
    bytesPerJob: jobs ? Math.round(jobBytes / jobs) : 0,
    jobs,
  };
}
