import { describe, expect, it } from 'vitest';
import { createRenderer, loadResources } from '../../engine/i18n.ts';
import type { Locale, Pack } from '../../engine/packs/schema.ts';
import { createUnderstander, type Understand } from '../../engine/understand/index.ts';
import { countCjk, normalize } from '../../engine/understand/text.ts';
import { faqAnswer } from '../../flows/replies.ts';
import { FORBIDDEN } from '../helpers/customer-text.ts';
import { harness, pack } from '../helpers/harness.ts';
import { SCENARIOS } from './index.ts';
import type { PackName, Scenario } from './types.ts';

// Runs every scenario in test/scenarios/*.ts through the real engine (memory store, the pack's real
// understanding) and checks what DOMAIN.md asks of every conversation: the right ticket, empathy before
// questions, a person when it should be one, no forbidden phrase, no question twice, no needless question.

const resources = loadResources();
const understanders = new Map<PackName, Understand>();
const understandFor = (name: PackName) => {
  if (!understanders.has(name)) understanders.set(name, createUnderstander(pack(name)));
  return understanders.get(name)!;
};

/** The text of every intake question in a locale, rendered as the customer sees it, and the field it asks for. */
function questionsOf(p: Pack, locale: Locale): Map<string, string> {
  const render = createRenderer(p);
  const out = new Map<string, string>();
  for (const field of ['category', 'description', 'when', 'demand', 'phone', 'contact']) {
    out.set(render.text(`intake.ask_${field}`, locale), field);
    if (field !== 'category') out.set(render.text(`intake.ask_${field}_short`, locale), field);
  }
  for (const [id, detail] of Object.entries(p.details)) {
    out.set(render({ key: 'intake.ask_detail', params: { question: { localized: detail.ask } } }, locale).text, `detail:${id}`);
  }
  return out;
}

/** What the bot says when it did not understand the line it was given. */
function notUnderstood(p: Pack, locale: Locale): Set<string> {
  const render = createRenderer(p);
  return new Set([
    render.text('fallback.not_understood', locale, { name: { localized: p.displayName } }),
    ...['intake.answer_unclear', 'intake.confirm_unclear', 'intake.category_unclear', 'intake.contact_unclear'].map((k) => render.text(k, locale)),
  ]);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every empathy opening of a locale as a pattern whose one group is the problem it names. */
function empathyPatterns(locale: Locale): RegExp[] {
  const empathy = (resources[locale] as { empathy: Record<string, Record<string, Record<string, string>>> }).empathy;
  const out: RegExp[] = [];
  for (const feeling of ['anger', 'anxiety', 'sadness']) {
    for (const wordings of Object.values(empathy[feeling]!)) {
      for (const template of Object.values(wordings)) out.push(new RegExp(`^${escape(template).replace(escape('{{problem}}'), '([\\s\\S]+?)')}$`));
    }
  }
  return out;
}

/** How the openings may name the problem of a ticket filed under one of `categories`. */
function problemNames(p: Pack, locale: Locale, categories: string[]): string[] {
  const empathy = (resources[locale] as { empathy: { problem: Record<string, string>; this_problem: string } }).empathy;
  return [
    empathy.this_problem,
    ...categories.flatMap((id) => {
      const cat = p.categories.find((c) => c.id === id);
      return [empathy.problem[id], cat?.label[locale]].filter((x): x is string => Boolean(x));
    }),
  ];
}

/**
 * The reply is written in the conversation's locale: English without Chinese (brand names in brackets aside,
 * such as "State Grid app (网上国网)"), zh-TW without common simplified-only characters, zh-CN without
 * common traditional-only ones. (Characters such as 面 or 后 are both a simplified form and a traditional
 * character of their own, so a per-character table cannot tell the scripts apart; these lists can.)
 */
const SIMPLIFIED_ONLY = /[这个们为么说时电费号话没请错问题员态应该给单来对会发现点从过经开关与让实当报账户码钱价买卖联系处务际吗边换转还进务东网认证购]/;
const TRADITIONAL_ONLY = /[這個們為麼說時電費號話沒請錯問題員態應該給單來對會發現點從後過經開關與讓實當報賬帳戶碼錢價買賣聯繫處務際嗎邊換轉還進東網認證購]/;
function inLocale(text: string, locale: Locale): boolean {
  if (locale === 'en') return countCjk(text.replace(/\([^)]*\)|（[^）]*）/g, '')) === 0;
  if (locale === 'zh-TW') return !SIMPLIFIED_ONLY.test(text);
  return !TRADITIONAL_ONLY.test(text);
}

interface Turn {
  said: string;
  replies: string[];
}

const transcript = (turns: Turn[]) => turns.map((t) => [`  > ${t.said}`, ...t.replies.map((r) => `    < ${r.replace(/\n/g, ' | ')}`)].join('\n')).join('\n');

async function run(s: Scenario) {
  const p = pack(s.pack);
  const h = harness({ pack: p, understand: understandFor(s.pack) });
  const user = `scenario-${s.pack}-${s.locale}`;
  const turns: Turn[] = [];
  let last: Awaited<ReturnType<typeof h.say>> | undefined;
  for (const said of s.turns) {
    last = await h.say(user, said, { locale: s.locale });
    turns.push({ said, replies: last.replies.map((r) => r.text) });
  }
  const conversation = (await h.store.getConversation(last!.conversationId))!;
  const tickets = await h.store.listTickets({});
  return { p, turns, conversation, tickets };
}

describe('scenario suite', () => {
  it('has at least 40 scenarios, several for every pack and locale', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(40);
    for (const name of ['power-utility', 'retail-bank', 'ecommerce'] as const) {
      for (const locale of ['zh-CN', 'zh-TW', 'en'] as const) {
        expect(SCENARIOS.filter((s) => s.pack === name && s.locale === locale).length, `${name} ${locale}`).toBeGreaterThanOrEqual(4);
      }
    }
    expect(new Set(SCENARIOS.map((s) => s.name)).size).toBe(SCENARIOS.length);
  });
});

for (const packName of ['power-utility', 'retail-bank', 'ecommerce'] as const) {
  describe(`scenarios: ${packName}`, () => {
    for (const s of SCENARIOS.filter((x) => x.pack === packName)) {
      it(`[${s.locale}] ${s.name}`, async () => {
        const { p, turns, conversation, tickets } = await run(s);
        const shown = `\n${s.name} (${s.source})\n${transcript(turns)}\ntickets: ${JSON.stringify(tickets.map((t) => ({ category: t.category, grade: t.grade, signals: t.signals, handoffReason: t.handoffReason, details: t.details })))}`;
        const e = s.expect;
        const replies = turns.flatMap((t) => t.replies);

        // The outcome, from the store.
        if (e.ticket === null) expect.soft(tickets, `no ticket may be filed${shown}`).toHaveLength(0);
        else if (e.ticket) {
          expect.soft(tickets, `exactly one ticket${shown}`).toHaveLength(1);
          const ticket = tickets[0];
          if (ticket) {
            const categories = [e.ticket.category].flat();
            expect.soft(categories, `ticket category${shown}`).toContain(ticket.category);
            expect.soft(ticket.grade, `ticket grade${shown}`).toBe(e.ticket.grade);
            if (e.ticket.signals) expect.soft([...ticket.signals].sort(), `ticket signals${shown}`).toEqual([...e.ticket.signals].sort());
            if (e.ticket.details) expect.soft(ticket.details, `ticket details${shown}`).toMatchObject(e.ticket.details);
          }
        }
        if (e.handoff !== undefined) {
          expect.soft(conversation.dialog.status === 'waiting_for_agent', `handoff ${e.handoff ? 'expected' : 'not expected'}${shown}`).toBe(e.handoff);
        }
        if (e.handoffReason) expect.soft(conversation.dialog.handoffReason, `handoff reason${shown}`).toBe(e.handoffReason);
        if (e.faqId) {
          const answer = faqAnswer(p, e.faqId)[s.locale]!;
          expect.soft(replies.some((r) => r.startsWith(answer.slice(0, 24))), `answers with FAQ ${e.faqId}${shown}`).toBe(true);
        }

        // Empathy first: the first reply to the upset message acknowledges the feeling and names the problem.
        if (e.empathyFirst) {
          const first = turns[e.upsetAt ?? 0]!.replies[0] ?? '';
          const match = empathyPatterns(s.locale).map((re) => re.exec(first)).find((m) => m);
          expect.soft(match, `the first reply opens with an acknowledgement${shown}`).toBeTruthy();
          if (match && e.ticket) {
            expect.soft(problemNames(p, s.locale, [e.ticket.category].flat()), `the acknowledgement names the customer's problem${shown}`).toContain(match[1]);
          }
        }

        // Never a forbidden phrase; always the customer's language.
        for (const reply of replies) {
          for (const [name, pattern] of FORBIDDEN) expect.soft(pattern.test(normalize(reply)), `"${name}" in: ${reply}${shown}`).toBe(false);
          expect.soft(inLocale(reply, s.locale), `reply not in ${s.locale}: ${reply}${shown}`).toBe(true);
        }

        // Every line understood: a realistic customer never hears "sorry, I didn't get that".
        const lost = notUnderstood(p, s.locale);
        expect.soft(replies.filter((r) => lost.has(r)), `the bot did not understand a line${shown}`).toEqual([]);

        // No question twice, and no more questions than needed.
        const questions = questionsOf(p, s.locale);
        const asked = replies.map((r) => questions.get(r)).filter((f): f is string => f !== undefined);
        const twice = asked.filter((f, i) => asked.indexOf(f) !== i);
        expect.soft(twice, `questions asked twice${shown}`).toEqual([]);
        expect.soft(asked.length, `questions asked: ${asked.join(', ')}${shown}`).toBeLessThanOrEqual(e.maxQuestions);
      });
    }
  });
}
