import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { customerScript, TICKET } from '../../engine/cli/bench-customers.ts';
import { freePort } from '../helpers/redis-server.ts';

// Real service processes (`intake serve`) on one Redis, driven over loopback HTTP like a load balancer
// would: turns go round-robin across instances; a failed request is retried on the next instance with
// the same messageId, as a channel redelivers a webhook. Everything is bounded: a customer that cannot
// finish within its attempts is reported, never waited on forever.

const CLI = new URL('../../engine/cli/intake.mjs', import.meta.url).pathname;

export interface Instance {
  port: number;
  child: ChildProcess;
  /** What the process wrote to stderr (start-up failures). */
  errors: string[];
}

export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'intake-instance-'));
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', API_TOKEN: 'fault-test-token-0123456789', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const errors: string[] = [];
  child.stderr!.on('data', (d: Buffer) => errors.push(d.toString()));
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`instance exited during start-up (${child.exitCode}): ${errors.join('')}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) return { port, child, errors };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`instance on port ${port} was not ready within 15 s: ${errors.join('')}`);
}

export async function stopInstance(i: Instance, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (i.child.exitCode !== null || i.child.signalCode !== null) return i.child.exitCode;
  const exited = new Promise<number | null>((res) => i.child.once('exit', (code) => res(code)));
  i.child.kill(signal);
  return exited;
}

export interface RunReport {
  customers: number;
  completed: number;
  /** Ticket number each customer was given in the final reply. */
  tickets: Map<number, string>;
  wrongReplies: string[];
  stuck: string[];
  retries: number;
  /** Turns delivered twice at once; both answers must be the same. */
  duplicatesSent: number;
}

interface Reply {
  replies: Array<{ text: string }>;
  conversation: { ticketId?: string };
}

/**
 * Sends every customer's script, turn by turn. `alive()` says which instances may be used right now;
 * `between` runs after each customer's turn (tests use it to kill or restart things mid-run).
 */
export async function drive(o: {
  customers: number;
  concurrency: number;
  instances: () => Instance[];
  between?: (turnsDone: number, soFar: RunReport) => Promise<void> | void;
  prefix: string;
  /** Every n-th customer's turns are each delivered twice at once, to two instances (a redelivered webhook). */
  duplicateEvery?: number;
}): Promise<RunReport> {
  const report: RunReport = { customers: o.customers, completed: 0, tickets: new Map(), wrongReplies: [], stuck: [], retries: 0, duplicatesSent: 0 };
  let next = 0;
  let rr = 0;
  let turnsDone = 0;
  const send = async (i: number, turn: number, text: string): Promise<Reply> => {
    const body = JSON.stringify({ userId: `${o.prefix}${i}`, text, messageId: `${o.prefix}${i}-${turn}` });
    let lastErr = '';
    for (let attempt = 0; attempt < 40; attempt++) {
      const pool = o.instances();
      const target = pool[rr++ % pool.length]!;
      try {
        const res = await fetch(`http://127.0.0.1:${target.port}/api/web/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        if (res.ok) return (await res.json()) as Reply;
        lastErr = `${res.status} ${await res.text()}`;
      } catch (err) {
        lastErr = String(err);
      }
      report.retries++;
      await new Promise((r) => setTimeout(r, Math.min(500, 20 * 2 ** Math.min(attempt, 5))));
    }
    throw new Error(`customer ${i} turn ${turn}: no instance answered after 40 attempts (${lastErr})`);
  };
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= o.customers) return;
      const script = customerScript(i);
      try {
        for (const [turn, [text, expected]] of script.entries()) {
          const twice = o.duplicateEvery !== undefined && i % o.duplicateEvery === 0;
          const [r, again] = await Promise.all([send(i, turn, text), twice ? send(i, turn, text) : undefined]);
          const joined = r.replies.map((x) => x.text).join('\n');
          if (again) {
            report.duplicatesSent++;
            if (again.replies.map((x) => x.text).join('\n') !== joined) report.wrongReplies.push(`customer ${i} turn ${turn}: a duplicate delivery got a different answer`);
          }
          if (!expected.test(joined)) {
            report.wrongReplies.push(`customer ${i} turn ${turn} "${text}": expected ${expected}, got ${joined.slice(0, 120)}`);
            break;
          }
          if (turn === script.length - 1) {
            const ticket = joined.match(TICKET)?.[0];
            if (ticket && r.conversation.ticketId === ticket) {
              report.tickets.set(i, ticket);
              report.completed++;
            } else report.wrongReplies.push(`customer ${i}: final reply and conversation disagree on the ticket`);
          }
          turnsDone++;
          await o.between?.(turnsDone, report);
        }
      } catch (err) {
        report.stuck.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return report;
}
