import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ChannelDefinition, ChannelDeps } from '../../engine/channels.ts';
import { AppError } from '../../engine/errors.ts';
import { loadConfig } from '../../engine/config.ts';
import { silentLogger } from '../../engine/log.ts';
import { buildService, type Service } from '../../engine/service.ts';

/** The public origin the channel tests' platforms call (and sign). */
export const PUBLIC_BASE = 'https://intake.example.test';

/** Waits for `check` to hold, polling every 10 ms, at most `tries` times. */
export async function until(check: () => boolean, what = 'the condition', tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The real service in process (memory store, no timed jobs) with these channels enabled by `env`, every
 * one of them starting cleanly. `dispose` stops it and removes its folder.
 */
export function channelService(
  channels: readonly ChannelDefinition[],
  env: Record<string, string>,
  now?: () => Date,
): { service: Service; dispose(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), `intake-${channels[0]?.name ?? 'channel'}-`));
  const service = buildService(loadConfig({ DATA_DIR: dir, STORE: 'memory', PUBLIC_URL: PUBLIC_BASE, JOB_EVERY_MS: '0' }), silentLogger(), {
    env,
    channels,
    ...(now ? { now } : {}),
  });
  expect(service.channelProblems).toEqual([]);
  return {
    service,
    async dispose() {
      await service.engine.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The shared key-value store a channel gets, in memory; `data` lets a test look inside. */
export function memoryKv(): ChannelDeps['kv'] & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, get: async (k) => data.get(k) ?? null, set: async (k, v) => void data.set(k, v) };
}

/** The AppError a promise (or a call) fails with; anything else, or no failure, fails the test. */
export async function refused(p: Promise<unknown> | (() => unknown)): Promise<AppError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

/** Like `refused`, and the error must carry this code. */
export async function rejectsWith(p: Promise<unknown> | (() => unknown), code: string): Promise<AppError> {
  const err = await refused(p);
  expect(err.code).toBe(code);
  return err;
}
