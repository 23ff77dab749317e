import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BOTS_DIR, loadPack, loadPackFrom } from '../../engine/packs/load.ts';
import { deadlinesFor } from '../../engine/tickets/deadlines.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the power-utility pack with one edit applied to pack.yaml. */
function brokenPack(edit: (yaml: string) => string, file = 'pack.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'intake-pack-'));
  dirs.push(dir);
  cpSync(join(BOTS_DIR, 'power-utility'), dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

describe('bot packs', () => {
  it('power-utility is complete in zh-CN and en', () => {
    const pack = loadPack('power-utility');
    expect(pack.locales).toEqual(expect.arrayContaining(['zh-CN', 'en']));
    for (const locale of ['zh-CN', 'en'] as const) {
      expect(pack.faq[locale]!.length).toBeGreaterThanOrEqual(30);
      for (const c of pack.categories) {
        expect(c.label[locale], c.id).toBeTruthy();
        expect(c.examples[locale]!.length, c.id).toBeGreaterThanOrEqual(5);
      }
    }
    expect(pack.categories.map((c) => c.id)).toEqual(
      expect.arrayContaining(['outage_no_notice', 'frequent_outage', 'slow_restoration', 'billing_error', 'meter_fault', 'service_attitude', 'repair_delay', 'other']),
    );
    expect(pack.grades.ordinary.respondWithin).toEqual({ hours: 24 });
    expect(pack.grades.ordinary.resolveWithin).toEqual({ workingDays: 3 });
    expect(pack.grades.urgent.respondWithin).toEqual({ hours: 4 });
    expect(pack.grades.major.respondWithin).toEqual({ hours: 1 });
    expect(pack.categories.find((c) => c.id === 'billing_error')!.compensation?.en).toMatch(/refund/i);
  });

  it.each([
    ['a wrong type', (y: string) => y.replace(/angerHandoff: [\d.]+/, 'angerHandoff: high'), /pack\.yaml: thresholds\.angerHandoff: .*number/],
    ['a missing field', (y: string) => y.replace(/^timeZone:.*$/m, ''), /pack\.yaml: timeZone: /],
    ['an unknown time zone', (y: string) => y.replace(/^timeZone:.*$/m, 'timeZone: Mars/Olympus'), /timeZone: unknown IANA time zone "Mars\/Olympus"/],
    ['an unknown detail', (y: string) => y.replace(/asks: \[account_number\]/, 'asks: [passport]'), /categories\[\d+\]\.asks\[0\]: unknown detail "passport"/],
    ['a bad duration', (y: string) => y.replace(/respondWithin: \{ ?hours: 24 ?\}/, 'respondWithin: { hours: 24, workingDays: 1 }'), /grades\.ordinary\.respondWithin: give exactly one/],
  ])('an invalid pack stops start-up naming file and field: %s', (_name, edit, message) => {
    const dir = brokenPack(edit);
    expect(() => loadPackFrom(dir)).toThrow(message);
  });

  it('names the FAQ file and entry when an FAQ entry is invalid', () => {
    const dir = brokenPack((y) => y.replace(/questions:/, 'questionz:'), 'faq.en.yaml');
    expect(() => loadPackFrom(dir)).toThrow(/faq\.en\.yaml: \[0\]/);
  });

  it('says which pack is missing', () => {
    expect(() => loadPack('no-such-pack')).toThrow(/bots\/no-such-pack\/pack\.yaml does not exist/);
  });
});

describe('deadlines on the working-day calendar', () => {
  const pack = loadPack('power-utility');
  it('counts 3 working days over a weekend, in the pack time zone', () => {
    // Friday 27 Nov 2026, 15:00 Shanghai → Wednesday 2 Dec 15:00.
    const d = deadlinesFor(pack, 'ordinary', '2026-11-27T07:00:00.000Z');
    expect(d.respondBy).toBe('2026-11-28T07:00:00.000Z');
    expect(d.resolveBy).toBe('2026-12-02T07:00:00.000Z');
  });
  it('skips public holidays (National Day 2026)', () => {
    const d = deadlinesFor(pack, 'ordinary', '2026-09-30T02:00:00.000Z');
    expect(pack.calendar.holidays).toContain('2026-10-01');
    expect(new Date(d.resolveBy).getTime()).toBeGreaterThan(new Date('2026-10-08T00:00:00.000Z').getTime());
  });
  it('urgent and major use calendar hours', () => {
    expect(deadlinesFor(pack, 'urgent', '2026-11-28T02:00:00.000Z')).toEqual({ respondBy: '2026-11-28T06:00:00.000Z', resolveBy: '2026-11-29T02:00:00.000Z' });
    expect(deadlinesFor(pack, 'major', '2026-11-28T02:00:00.000Z').respondBy).toBe('2026-11-28T03:00:00.000Z');
  });
});
