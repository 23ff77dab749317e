import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createSqliteStore } from '../../adapters/store/sqlite/sqlite-store.ts';
import { storeConformance } from './conformance.ts';

const dirs: string[] = [];
let current = '';
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

storeConformance('sqlite', {
  open: async () => {
    current = mkdtempSync(join(tmpdir(), 'intake-sqlite-'));
    dirs.push(current);
    return createSqliteStore({ dataDir: current });
  },
  reopen: async () => createSqliteStore({ dataDir: current }),
});
