import type { Grade, Locale, Pack, RiskSignal } from '../packs/schema.ts';
import { LEXICON_TERMS, readEmotion, INSULTS } from './emotion.ts';
import { extractEntities } from './entities.ts';
import { socialActs } from './social.ts';
import { INTENT_TERMS, classifyIntent } from './intent.ts';
import { featurize } from './features.ts';
import { affectReaderFor } from './affect.ts';
import { loadLabelled, type LabelledExample } from './labelled.ts';
import { LinearModel, usesEncoder } from './linear-model.ts';
import { loadSentenceEncoder, type SentenceEncoder } from './sentence-encoder.ts';
import { cachedModel } from './model-cache.ts';
import { featureRow } from './vocabulary.ts';
import { TermSet, firstOccurrences, countCjk, normalize, scriptCounts } from './text.ts';
import type { Understanding, UnderstandContext } from './types.ts';

export type Understand = (text: string, context?: UnderstandContext) => Understanding;

const GRADE_RANK: Record<Grade, number> = { ordinary: 0, urgent: 1, major: 2 };
export function maxGrade(a: Grade, b: Grade): Grade {
  return GRADE_RANK[a] >= GRADE_RANK[b] ? a : b;
}

// Government and regulator hotlines every mainland customer knows; a mention is a regulator signal in any pack.
const HOTLINES = /(?<!\d)(12315|12345|12398|12378|12363|12358)(?!\d)/;
/** Below this calibrated score a message is out of scope for the FAQ: better no answer than a wrong one. */
const FAQ_FLOOR = 0.25;
const CATEGORY_FLOOR = 0.35;
/** A learned score this high is a real preference, enough to choose between categories tied on keywords. */
const TIE_BREAK_FLOOR = 0.2;
/** Runners-up worth showing beside an unsure best match. */
const CANDIDATE_FLOOR = 0.1;
const round = (x: number) => Math.round(x * 1000) / 1000;
// Citing rules, contracts, records or evidence: the customer argues from facts (normalised, simplified text).
// Plain words are found in the one pass over the message; the few patterns run only when their anchor is there.
const RATIONAL_WORDS = ['规定', '条款', '合同', '协议', '法律', '法规', '条例', '依据', '国家标准', '国标', '证据', '截图', '录音', '凭证',
  '收据', '发票', '账单显示', '记录显示', '明细显示', 'regulation', 'regulations', 'clause', 'contract', 'terms and conditions',
  'according to', 'evidence', 'receipt', 'receipts', 'statement shows', 'screenshot', 'screenshots', 'invoice', 'consumer rights',
  'the law', 'legally', 'my records'];
const RATIONAL_PATTERNS = /第.{1,3}条|根据.{0,8}(规定|标准|条例|法|合同|协议)|按照.{0,8}(规定|标准|条例|合同)|section \d|under (the|your|our) (policy|terms|law|rules)/;
const RATIONAL_ANCHOR = /第|根据|按照|section|under/;
const RATIONAL_SET = new Set(RATIONAL_WORDS);
const MAJOR_SIGNALS: RiskSignal[] = ['media', 'legal', 'regulator', 'safety', 'mass'];

const DEMANDS: Array<[string, string[]]> = [
  // "把多扣的那笔退给我": 退 with who gets it back is a refund too (zh-TW 退給我 is the same once normalised).
  ['refund', ['退款', '退钱', '退还', '返还', '退回', '退给我', '退我钱', '退我的钱', '把钱退', '钱退给', '退差价', 'refund', 'money back',
    'reimburse', 'pay me back', 'return my money']],
  ['compensation', ['赔偿', '补偿', '赔钱', '赔我', 'compensate', 'compensation', 'damages']],
  ['repair', ['维修', '修好', '修一下', '抢修', '恢复供电', '尽快来电', '来修', 'fix', 'fixed', 'fix it', 'repair', 'repaired', 'restore', 'restored', 'sort it out', 'sorted out']],
  ['apology', ['道歉', '赔礼', 'apologize', 'apologise', 'apology']],
  ['explanation', ['解释', '说法', '给个说法', '说清楚', 'explain', 'explanation']],
  ['replacement', ['更换', '换一个', '换新', 'replace', 'replacement', 'exchange']],
  ['correction', ['更正', '改正', '重新计算', '重算', 'correct the bill', 'recalculate', 'fix the bill']],
];
const demandKindOf = new Map(DEMANDS.flatMap(([kind, words]) => words.map((w) => [w, kind] as const)));


function detectLocale(raw: string, fallback: Locale): { language: 'zh' | 'en'; locale: Locale } {
  const { han, latin, traditional: trad, simplified: simp } = scriptCounts(raw);
  if (han === 0 && latin === 0) return { language: fallback === 'en' ? 'en' : 'zh', locale: fallback };
  if (han > 0 && han * 3 >= latin) {
    const locale: Locale = trad > simp ? 'zh-TW' : simp > trad ? 'zh-CN' : fallback === 'en' ? 'zh-CN' : fallback;
    return { language: 'zh', locale };
  }
  return { language: 'en', locale: 'en' };
}

/** Builds the understanding function for one pack: indexes are made once, each call is pure and synchronous. */
/**
 * Examples once each: a zh-TW example is often the zh-CN one in other characters, the same text once
 * normalised, and counting it twice would tilt the model towards Chinese.
 */
function distinct(examples: Array<{ label: string; text: string }>): Array<{ label: string; text: string }> {
  const seen = new Set<string>();
  return examples.filter((e) => {
    const key = `${e.label}\u0000${e.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface UnderstanderOptions {
  /** Labelled examples the sentiment, emotion and complaint models learn from; the project's own by default. */
  labelled?: LabelledExample[];
  /** Directory to save learned FAQ models in and load them from on the next start (see model-cache.ts); none by default. */
  modelCache?: string | false;
  /** The sentence encoder large English FAQ lists learn with (see `encoderFor`); without it they learn without. */
  encoder?: SentenceEncoder | undefined;
}

const faqRows = (entries: NonNullable<Pack['faq'][Locale]>) => distinct(entries.flatMap((e) => e.questions.map((q) => ({ label: e.id, text: normalize(q) }))));

/**
 * The sentence encoder when one of the pack's FAQ lists is large and English enough to gain from it (see
 * `usesEncoder`), else undefined: loading it takes a second and 30 MB that small lists do not need.
 */
export async function encoderFor(pack: Pack): Promise<SentenceEncoder | undefined> {
  const lists = new Set(Object.values(pack.faq).filter((e) => e?.length));
  const wanted = [...lists].some((entries) => {
    const rows = faqRows(entries!);
    return usesEncoder(rows.map((r) => r.text), new Set(rows.map((r) => r.label)).size);
  });
  return wanted ? loadSentenceEncoder() : undefined;
}

/** FAQ lists this large take long enough to learn that a saved model is worth loading instead. */
const CACHE_FROM = 1000;

export function createUnderstander(pack: Pack, options: UnderstanderOptions = {}): Understand {
  const readAffect = affectReaderFor(options.labelled ?? loadLabelled());
  // One model per distinct FAQ list: an operator's single list serving every locale is learned once.
  const faqModels = new Map<Pack['faq'][Locale], LinearModel>();
  const faqModel = new Map<Locale, LinearModel>();
  for (const [locale, entries] of Object.entries(pack.faq) as Array<[Locale, Pack['faq'][Locale]]>) {
    if (!entries?.length) continue;
    let model = faqModels.get(entries);
    if (!model) {
      const rows = faqRows(entries);
      const train = options.encoder ? { encoder: options.encoder } : {};
      model = options.modelCache && rows.length >= CACHE_FROM ? cachedModel(options.modelCache, rows, train) : new LinearModel(rows, train);
      faqModels.set(entries, model);
    }
    faqModel.set(locale, model);
  }
  const categoryModel = new LinearModel(
    distinct(
      pack.categories.flatMap((c) =>
        Object.values(c.examples)
          .flat()
          .map((text) => ({ label: c.id, text: normalize(text) })),
      ),
    ),
  );
  // Pack words, each mapped to what it stands for; one TermSet pass finds them all.
  const keywordOf = new Map<string, string[]>();
  for (const c of pack.categories) {
    if (c.id === 'other') continue;
    for (const k of Object.values(c.keywords).flat()) {
      // The same word in zh-CN and zh-TW lists is one word once folded: count its category once.
      const ids = keywordOf.get(normalize(k)) ?? [];
      if (!ids.includes(c.id)) keywordOf.set(normalize(k), [...ids, c.id]);
    }
  }
  const riskOf = new Map<string, RiskSignal>();
  for (const r of Object.values(pack.riskKeywords).flat()) for (const t of r!.terms) riskOf.set(normalize(t), r!.signal);

  // Pack keywords, risk terms, insults and demand words are all found in one pass over the message.
  const packTerms = new TermSet([
    ...keywordOf.keys(), ...riskOf.keys(), ...INSULTS, ...DEMANDS.flatMap(([, words]) => words), ...LEXICON_TERMS, ...INTENT_TERMS, ...RATIONAL_WORDS,
  ]);
  const insultSet = new Set(INSULTS);
  const gradeOf = new Map(pack.categories.map((c) => [c.id, c.grade]));

  const faqFor = (locale: Locale): LinearModel | undefined =>
    faqModel.get(locale) ?? (locale === 'zh-TW' ? faqModel.get('zh-CN') : locale === 'zh-CN' ? faqModel.get('zh-TW') : undefined) ??
    faqModel.get(pack.defaultLocale);

  return (text, context = {}) => {
    const norm = normalize(text);
    const { language, locale } = detectLocale(text, context.locale ?? pack.defaultLocale);

    const signals = new Set<RiskSignal>();
    // A hotline number typed alone (say, as a mistyped phone number) is no threat; with words around it, it is.
    const hasWords = countCjk(norm) > 0 || /[a-z]/.test(norm);
    const occurrences = packTerms.occurrences(norm);
    const found = firstOccurrences(occurrences);
    for (const term of found.keys()) if (riskOf.has(term) && (hasWords || !/^\d+$/.test(term))) signals.add(riskOf.get(term)!);
    if (HOTLINES.test(norm) && hasWords) signals.add('regulator');

    let insults = 0;
    for (const term of found.keys()) if (insultSet.has(term)) insults++;
    const threat = signals.has('media') || signals.has('legal') || signals.has('regulator') ? 0.15 : 0;
    const features = featureRow(featurize(norm));
    const lexical = readEmotion(text, norm, Math.min(0.4, insults * 0.3 + threat), occurrences);
    const affect = readAffect(features, lexical);
    const emotion = { label: affect.emotion.label, intensity: affect.emotion.intensity, sentiment: affect.sentiment };

    const keywordHits = new Map<string, number>();
    for (const term of found.keys()) for (const id of keywordOf.get(term) ?? []) keywordHits.set(id, (keywordHits.get(id) ?? 0) + 1);
    const catKeyword = [...keywordHits].map(([id, hits]) => ({ id, hits })).sort((a, b) => b.hits - a.hits);
    const tied = catKeyword.filter((c) => c.hits === catKeyword[0]!.hits);
    // Categories tied on keywords are told apart by the model, which reads the whole message: "估抄" names
    // billing, but a complaint about the meter reader's manners is about attitude. Without a tie one look is enough.
    const catPredictions = categoryModel.predictRow(features, tied.length > 1 ? tied.length + 1 : 1);
    const catLearned = catPredictions[0];
    let topKw = catKeyword[0];
    if (tied.length > 1) {
      const preferred = catPredictions.find((p) => p.score >= TIE_BREAK_FLOOR && tied.some((c) => c.id === p.label));
      if (preferred) topKw = tied.find((c) => c.id === preferred.label);
    }
    let category: Understanding['category'] = null;
    if (topKw && (!catLearned || catLearned.label === topKw.id || catLearned.score < 0.6)) {
      category = { id: topKw.id, confidence: Math.min(0.95, 0.55 + 0.15 * topKw.hits + (catLearned?.label === topKw.id ? catLearned.score / 3 : 0)) };
    } else if (catLearned && catLearned.score >= CATEGORY_FLOOR && catLearned.label !== 'other') {
      category = { id: catLearned.label, confidence: round(catLearned.score) };
    }

    const faqModelHere = faqFor(locale);
    const faqBest = faqModelHere?.predictRow(features, 1, norm)[0];
    const faq = faqBest && faqBest.score >= FAQ_FLOOR ? { id: faqBest.label, score: round(faqBest.score) } : null;
    // Runners-up only matter when the best match is unsure: the rest of the time they are not looked for.
    const unsure = faq !== null && faq.score < pack.thresholds.faqAnswer;
    const faqCandidates = !faq ? [] : !unsure ? [faq]
      : faqModelHere!.predictRow(features, 3, norm).filter((p) => p.score >= CANDIDATE_FLOOR).map((p) => ({ id: p.label, score: round(p.score) }));

    const entities = extractEntities(text, { pack, today: context.today }, norm);
    const intent = classifyIntent({
      norm,
      found,
      negative: emotion.label === 'none' ? 0 : emotion.intensity,
      categoryScore: category?.confidence ?? 0,
      faqScore: faq?.score ?? 0,
      hasTicketId: entities.ticketIds.length > 0,
    });

    let severity: Grade = category ? (gradeOf.get(category.id) ?? 'ordinary') : 'ordinary';
    if ([...signals].some((s) => MAJOR_SIGNALS.includes(s))) severity = 'major';
    else if (signals.has('repeat')) severity = maxGrade(severity, 'urgent');

    // Rules find the obvious complaints; the learned model can overrule them when it is sure, and finds
    // complaints the rules cannot name ("third outage this week, thanks a lot").
    const complaint =
      intent.name === 'complaint' ? affect.complaint >= 0.2
      : affect.complaint >= 0.5 || (category !== null && emotion.sentiment.label === 'negative' && affect.complaint >= 0.3);
    const handoff: Understanding['handoff'] =
      severity === 'major' && complaint && signals.size > 0 ? 'major'
      : emotion.label === 'anger' && emotion.intensity >= pack.thresholds.angerHandoff ? 'anger'
      : intent.name === 'request_human' ? 'requested'
      : null;

    const demandKinds = new Set<string>();
    let rational = false;
    for (const term of found.keys()) {
      const kind = demandKindOf.get(term);
      if (kind) demandKinds.add(kind);
      if (RATIONAL_SET.has(term)) rational = true;
    }
    const figures = entities.amounts.length + entities.dates.length + entities.numbers.length + Object.keys(entities.details).length;
    const style: Understanding['style'] =
      (rational || (RATIONAL_ANCHOR.test(norm) && RATIONAL_PATTERNS.test(norm))) &&
      (figures > 0 || emotion.intensity < 0.8) ? 'rational'
      : emotion.label !== 'none' && emotion.intensity >= 0.6 ? 'emotional'
      : 'plain';

    const demands = DEMANDS.map(([kind]) => kind).filter((kind) => demandKinds.has(kind));

    return {
      language,
      locale,
      intent,
      social: socialActs(norm),
      category,
      faq,
      faqCandidates,
      sentiment: emotion.sentiment,
      emotion: { label: emotion.label, intensity: emotion.intensity },
      complaint,
      handoff,
      style,
      severity,
      signals: [...signals],
      demands,
      entities,
    };
  };
}
