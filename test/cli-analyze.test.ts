import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../engine/paths.ts';

const BIN = join(PROJECT_ROOT, 'engine/cli/intake.mjs');
const dir = mkdtempSync(join(tmpdir(), 'intake-analyze-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Row = Record<string, any>;

function run(args: string[], input: string): Promise<{ code: number | null; rows: Row[]; out: string; err: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
    delete env.BOT;
    const child = spawn(process.execPath, [BIN, 'analyze', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.stdin.on('error', () => {}); // a child that refuses to start closes its stdin early
    child.on('close', (code) => resolve({ code, out, err, rows: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row) }));
    child.stdin.end(input);
  });
}

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const KEYS = ['language', 'locale', 'intent', 'social', 'style', 'faq', 'category', 'sentiment', 'emotion', 'complaint', 'handoff', 'handoffReason', 'severity', 'signals', 'entities'];

function checkShape(row: Row): void {
  expect(Object.keys(row).sort()).toEqual([...KEYS].sort());
  expect(['zh', 'en']).toContain(row.language);
  expect(['zh-CN', 'zh-TW', 'en']).toContain(row.locale);
  expect(typeof row.intent.name).toBe('string');
  for (const part of [row.intent.confidence, row.sentiment.score, row.emotion.intensity, row.faq?.score ?? 0, row.category?.confidence ?? 0]) {
    expect(typeof part).toBe('number');
    expect(Math.round(part * 1000) / 1000).toBe(part);
  }
  expect(typeof row.complaint).toBe('boolean');
  expect(row.handoff).toBe(row.handoffReason !== null);
  expect(['ordinary', 'urgent', 'major']).toContain(row.severity);
  expect(Array.isArray(row.signals)).toBe(true);
  expect(Array.isArray(row.entities.phones)).toBe(true);
}

// Small FAQs for --faq: none of the power pack's ids, and no words shared with the out-of-scope line.
const SHOP_YAML = `# shop FAQ; the first entry has no answer (the id stands in)
- id: store_hours
  questions:
    - When does the store open?
    - 门店几点开门
- id: return_policy
  questions: [How do I return an item?, 怎么退货]
  answer: Bring it back within 30 days.
`;
// JSON with tab indentation (not valid YAML indentation) in a file whose name says nothing: read by content.
const CLINIC_JSON = '[\n\t{"id": "opening_hours", "questions": ["When is the clinic open?", "诊所营业时间是几点"]},\n\t{"id": "refund_time", "questions": ["How long does a refund take?"], "answer": "5 days"}\n]\n';

describe('intake analyze', () => {
  it('analyses zh-CN, zh-TW and en messages with the power-utility pack', async () => {
    const lines = [
      'How do I pay my electricity bill online?',
      '怎么在网上交电费？',
      '微信能交電費嗎？',
      'I want to talk to a human agent',
      '我要转人工',
      JSON.stringify({ text: '停电从昨天开始了，请打13912345678联系我', locale: 'zh-CN', today: '2026-03-10' }),
      "what's the capital of France",
    ];
    const { code, rows, err } = await run([], `${lines.join('\n')}\n`);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(rows).toHaveLength(lines.length);
    rows.forEach(checkShape);
    const [payEn, payCn, wechatTw, humanEn, humanCn, phone, capital] = rows as [Row, Row, Row, Row, Row, Row, Row];
    expect([payEn.language, payEn.locale, payEn.faq?.id]).toEqual(['en', 'en', 'pay_bill_online']);
    expect([payCn.language, payCn.locale, payCn.faq?.id]).toEqual(['zh', 'zh-CN', 'pay_bill_online']);
    expect([wechatTw.language, wechatTw.locale, wechatTw.faq?.id]).toEqual(['zh', 'zh-TW', 'pay_bill_wechat_alipay']);
    expect(payEn.handoff).toBe(false);
    for (const human of [humanEn, humanCn]) expect([human.handoff, human.handoffReason]).toEqual([true, 'requested']);
    expect(phone.entities.phones).toEqual(['13912345678']);
    expect(phone.entities.dates[0]?.date).toBe('2026-03-09'); // "yesterday" against the line's own `today`
    expect(capital.faq).toBeNull();
  });

  it('answers every line in order, with an error object for each bad one', async () => {
    const lines = [
      'My power went out yesterday',
      '{"text": "unterminated',
      '{"message": "no text field"}',
      '',
      '   ',
      '{"text": 42}',
      'x'.repeat(4001),
      JSON.stringify({ text: 'hello', locale: 'fr' }),
      JSON.stringify({ text: 'hello', today: '2026-02-30' }),
      JSON.stringify({ text: 'Can I pay my electricity bill with WeChat?', locale: 'en' }),
      '支付宝怎么交电费',
    ];
    // CRLF endings, and no newline after the last line.
    const { code, rows, err } = await run(['--locale', 'zh-CN'], lines.join('\r\n'));
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(rows).toHaveLength(lines.length);
    const errors = rows.map((r, i) => (r.error ? [r.line, i + 1] : null)).filter(Boolean);
    expect(errors).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map((n) => [n, n]));
    expect(rows[3]!.error).toMatch(/empty/);
    expect(rows[5]!.error).toMatch(/text/);
    expect(rows[6]!.error).toMatch(/4000/);
    checkShape(rows[0]!);
    expect(rows[9]!.faq?.id).toBe('pay_bill_wechat_alipay');
    expect(rows[10]!.faq?.id).toBe('pay_bill_wechat_alipay');
  });

  const probes = ['When does the store open on Sunday?', '怎么退货呢', 'How do I pay my electricity bill online?', "what's the capital of France", '诊所几点营业', 'How long will my refund take?'];

  it('--faq with a YAML file replaces the pack FAQ (entries without an answer accepted)', async () => {
    const { code, rows, err } = await run(['--faq', file('shop.yaml', SHOP_YAML)], `${probes.join('\n')}\n`);
    expect(err).toBe('');
    expect(code).toBe(0);
    const ids = rows.map((r) => r.faq?.id ?? null);
    expect(ids.slice(0, 2)).toEqual(['store_hours', 'return_policy']);
    expect(['store_hours', 'return_policy', null]).toContain(ids[2]);
    expect(ids[3]).toBeNull();
  });

  it('--faq with a JSON file, told apart by content', async () => {
    const { code, rows, err } = await run(['--faq', file('clinic.txt', CLINIC_JSON)], `${probes.join('\n')}\n`);
    expect(err).toBe('');
    expect(code).toBe(0);
    const ids = rows.map((r) => r.faq?.id ?? null);
    expect(ids.every((id) => id === null || id === 'opening_hours' || id === 'refund_time')).toBe(true);
    expect(ids.slice(3)).toEqual([null, 'opening_hours', 'refund_time']);
  });

  it('an invalid FAQ file exits 1 naming the file, the field and the problem', async () => {
    const bad = file('bad-faq.yaml', '- id: a\n  questions: [hello]\n- id: b\n  questions: []\n');
    const { code, out, err } = await run(['--faq', bad], 'hello\n');
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/bad-faq\.yaml: \[1\]\.questions: .*(>=1|too small)/i);
    expect(err).not.toMatch(/at .*\.ts:\d+/);
  });

  it('duplicate FAQ ids are rejected', async () => {
    const dup = file('dup-faq.json', JSON.stringify([{ id: 'a', questions: ['x'] }, { id: 'a', questions: ['y'] }]));
    const { code, err } = await run(['--faq', dup], '');
    expect(code).toBe(1);
    expect(err).toMatch(/dup-faq\.json: \[1\]\.id: duplicate FAQ id "a"/);
  });

  it('an unknown option or a bad --locale exits non-zero with a message', async () => {
    const [unknown, locale] = await Promise.all([run(['--verbose'], ''), run(['--locale', 'fr-FR'], 'hello\n')]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/unknown option --verbose/);
    expect(locale.code).toBe(2);
    expect(locale.out).toBe('');
    expect(locale.err).toMatch(/--locale .*zh-CN, zh-TW, en.*fr-FR/);
  });

  it('stops quietly when the reader goes away (| head)', async () => {
    const child = spawn(process.execPath, [BIN, 'analyze'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdin.on('error', () => {});
    // Endless input: only a clean exit on EPIPE ends this test before its timeout.
    const chunk = 'How do I pay my electricity bill online?\n'.repeat(2000);
    const feed = () => {
      while (child.stdin.writable && child.stdin.write(chunk));
    };
    child.stdin.on('drain', feed);
    feed();
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});
