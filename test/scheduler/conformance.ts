import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Scheduler } from '../../engine/scheduler/scheduler.ts';

const T0 = Date.parse('2026-11-24T08:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const job = (ticketId: string) => ({ kind: 'deadline' as const, ticketId, deadline: 'respond' as const });

export interface SchedulerFactory {
  open(): Promise<Scheduler>;
  /** A second scheduler on the same data, as another instance (or a restart) would open it. */
  reopen?(): Promise<Scheduler>;
}

/** One suite, every implementation: memory, SQLite, Redis (single and Cluster). */
export function schedulerConformance(name: string, factory: SchedulerFactory): void {
  describe(`scheduler conformance: ${name}`, () => {
    let s: Scheduler;
    const others: Scheduler[] = [];
    beforeEach(async () => {
      s = await factory.open();
    });
    afterEach(async () => {
      await Promise.all(others.splice(0).map((o) => o.close()));
      await s.close();
    });

    it('hands out only due jobs, earliest first, and each once while leased', async () => {
      await s.schedule('late', at(5_000), job('T3'));
      await s.schedule('b', at(2_000), job('T2'));
      await s.schedule('a', at(1_000), job('T1'));
      expect(await s.claim(at(500), 60_000, 10)).toEqual([]);
      const first = await s.claim(at(3_000), 60_000, 10);
      expect(first.map((j) => j.id)).toEqual(['a', 'b']);
      expect(first[0]).toMatchObject({ runAt: at(1_000), payload: job('T1'), attempts: 1 });
      expect(await s.claim(at(3_000), 60_000, 10)).toEqual([]);
      expect((await s.claim(at(6_000), 60_000, 1)).map((j) => j.id)).toEqual(['late']);
    });

    it('removes a completed job, and ignores completion by a stale claim', async () => {
      await s.schedule('a', at(0), job('T1'));
      const [first] = await s.claim(at(0), 1_000, 10);
      // The lease runs out before the first claimant finishes: the job goes to someone else.
      const [second] = await s.claim(at(2_000), 1_000, 10);
      expect(second?.id).toBe('a');
      expect(second?.attempts).toBe(2);
      await s.complete('a', first!.token);
      expect(await s.get('a')).not.toBeNull();
      await s.complete('a', second!.token);
      expect(await s.get('a')).toBeNull();
      expect(await s.claim(at(10_000), 1_000, 10)).toEqual([]);
    });

    it('cancels, and re-scheduling replaces the job and its time', async () => {
      await s.schedule('a', at(1_000), job('T1'));
      await s.schedule('b', at(1_000), job('T2'));
      expect(await s.cancel('a')).toBe(true);
      expect(await s.cancel('a')).toBe(false);
      await s.schedule('b', at(9_000), job('T9'));
      expect(await s.get('b')).toEqual({ id: 'b', runAt: at(9_000), payload: job('T9'), attempts: 0 });
      expect(await s.claim(at(5_000), 1_000, 10)).toEqual([]);
      expect((await s.claim(at(9_000), 1_000, 10)).map((j) => j.payload)).toEqual([job('T9')]);
    });

    it('respects the limit and leaves the rest for the next claim', async () => {
      for (let i = 0; i < 5; i++) await s.schedule(`j${i}`, at(i), job(`T${i}`));
      expect((await s.claim(at(10), 60_000, 2)).map((j) => j.id)).toEqual(['j0', 'j1']);
      expect((await s.claim(at(10), 60_000, 10)).map((j) => j.id)).toEqual(['j2', 'j3', 'j4']);
    });

    if (factory.reopen) {
      it('two instances claiming at once never get the same job, and jobs survive a reopen', async () => {
        for (let i = 0; i < 40; i++) await s.schedule(`j${String(i).padStart(2, '0')}`, at(i), job(`T${i}`));
        const other = await factory.reopen!();
        others.push(other);
        const claims = await Promise.all([s, other, s, other].map((x) => x.claim(at(100), 60_000, 15)));
        const ids = claims.flat().map((j) => j.id);
        expect(ids).toHaveLength(40);
        expect(new Set(ids).size).toBe(40);
        const later = await factory.reopen!();
        others.push(later);
        expect(await later.get('j07')).toMatchObject({ payload: job('T7'), attempts: 1 });
      });
    }
  });
}
