import type { Emotion } from './types.ts';
import { buildLexicon, findHits, type Feeling, type Hit } from './lexicon.ts';
import type { Occurrence } from './text.ts';

// Lexicons are matched on normalised text (lower case, simplified script), so zh-TW needs no copy.
// Weights are the intensity one occurrence suggests on its own.
const LEXICON: Record<Exclude<Emotion, 'none'>, Array<[string, number]>> = {
  anger: [
    ['气死', 0.75], ['愤怒', 0.7], ['生气', 0.5], ['火大', 0.6], ['恼火', 0.55], ['太差', 0.5], ['很差', 0.4], ['垃圾', 0.65],
    ['什么玩意', 0.65], ['搞什么', 0.5], ['混蛋', 0.8], ['骗子', 0.7], ['无语', 0.4], ['受够', 0.65], ['忍无可忍', 0.8],
    ['凭什么', 0.55], ['太过分', 0.6], ['过分', 0.45], ['恶心', 0.6], ['欺负人', 0.65], ['坑人', 0.6], ['坑爹', 0.6],
    ['黑心', 0.65], ['他妈', 0.8], ['妈的', 0.8], ['tmd', 0.8], ['傻逼', 0.9], ['脑残', 0.85], ['废物', 0.75], ['离谱', 0.5],
    ['岂有此理', 0.7], ['不像话', 0.55], ['敷衍', 0.5], ['踢皮球', 0.55], ['不作为', 0.55], ['说话不算数', 0.55],
    ['耍我', 0.65], ['糊弄', 0.5], ['火冒三丈', 0.8], ['抓狂', 0.6], ['愤慨', 0.65], ['不满', 0.35], ['差劲', 0.5],
    ['态度恶劣', 0.6], ['滚', 0.7], ['你们到底', 0.45], ['有没有人管', 0.55], ['太离谱', 0.6],
    ['angry', 0.55], ['furious', 0.85], ['outraged', 0.8], ['ridiculous', 0.55], ['unacceptable', 0.6], ['disgusting', 0.7],
    ['pathetic', 0.65], ['useless', 0.55], ['terrible', 0.5], ['worst', 0.55], ['sick of', 0.6], ['fed up', 0.6],
    ['scam', 0.65], ['rip-off', 0.6], ['ripoff', 0.6], ['idiots', 0.85], ['idiot', 0.8], ['incompetent', 0.7], ['wtf', 0.75],
    ['damn', 0.6], ['bullshit', 0.85], ['fuck', 0.9], ['fucking', 0.9], ['hate', 0.55], ['absurd', 0.55], ['livid', 0.85],
    ['pissed', 0.75], ['annoyed', 0.4], ['irritated', 0.4], ['frustrated', 0.45], ['frustrating', 0.45], ['outrageous', 0.7],
    ['a joke', 0.5], ['shameful', 0.6], ['disgrace', 0.7], ['rude', 0.45], ['fed-up', 0.6], ['enough is enough', 0.7],
  ],
  anxiety: [
    ['着急', 0.5], ['急死', 0.75], ['担心', 0.45], ['害怕', 0.55], ['怎么办', 0.4], ['焦虑', 0.55], ['急用', 0.5],
    ['等不了', 0.55], ['不安', 0.4], ['慌', 0.5], ['很急', 0.55], ['急急', 0.6], ['赶紧', 0.4], ['尽快', 0.3], ['快点', 0.4],
    ['吓人', 0.55], ['危险', 0.55], ['老人', 0.2], ['孩子', 0.2], ['冰箱', 0.15], ['救命', 0.8],
    ['worried', 0.5], ['anxious', 0.55], ['urgent', 0.45], ['urgently', 0.5], ['scared', 0.6], ['afraid', 0.5], ['nervous', 0.45],
    ['desperate', 0.65], ['asap', 0.45], ['panic', 0.65], ['panicking', 0.7], ['concerned', 0.35], ['stressed', 0.5],
    ['help me', 0.35], ['dangerous', 0.55], ['emergency', 0.6], ['as soon as possible', 0.4], ['freaking out', 0.7],
  ],
  sadness: [
    ['失望', 0.55], ['难过', 0.5], ['伤心', 0.55], ['无奈', 0.45], ['心寒', 0.65], ['寒心', 0.65], ['郁闷', 0.45],
    ['委屈', 0.55], ['唉', 0.3], ['算了吧', 0.35], ['没想到', 0.3], ['不敢相信', 0.45], ['累了', 0.35], ['心累', 0.55],
    ['disappointed', 0.55], ['disappointing', 0.5], ['sad', 0.5], ['upset', 0.5], ['let down', 0.55], ['unhappy', 0.45],
    ['heartbroken', 0.7], ['hopeless', 0.6], ['depressing', 0.5], ['a shame', 0.4], ['sigh', 0.3], ['expected better', 0.45],
  ],
};

const INTENSIFIERS = ['非常', '太', '真的', '简直', '特别', '极其', '超级', '十分', '相当', '实在', '完全', '根本', '一直',
  'so ', 'very', 'extremely', 'really', 'absolutely', 'totally', 'completely', 'utterly', 'incredibly', 'seriously'];
const NEGATIONS = ['不', '没', '没有', '并不', '不会', '别', '无', '未', '毫不', '不是', 'not', 'no', 'never', 'not really', "don't", 'dont',
  "doesn't", 'doesnt', "didn't", 'didnt', "isn't", 'isnt', "wasn't", 'wasnt', "aren't", "weren't", "can't", 'cant', 'cannot', "won't",
  'wont', "couldn't", "wouldn't", "haven't", "hasn't", 'hardly', 'without', 'nothing', 'nobody', 'neither', 'nor',
  'don’t', 'doesn’t', 'didn’t', 'isn’t', 'wasn’t', 'can’t', 'won’t'];
const DEMANDING = ['必须', '马上', '立刻', '立即', '限你', '今天之内', 'immediately', 'right now', 'right away', 'at once', 'must '];
const RHETORICAL = ['难道', '凭什么', '还要等多久', '到底要', '有没有搞错', '还想怎样', '你们是干什么的', '你们干什么吃的',
  'how many times', 'how long do i have to', 'are you kidding', 'what is wrong with you', 'is this a joke', 'seriously?'];
const POSITIVE = ['谢谢', '感谢', '满意', '很好', '不错', '辛苦了', '点赞', '给力', '好评', '解决了', 'thank', 'thanks', 'great',
  'satisfied', 'appreciate', 'excellent', 'perfect', 'helpful', 'resolved', 'awesome', 'good job', 'well done'];

export interface EmotionReading {
  label: Emotion;
  intensity: number;
  sentiment: { label: 'negative' | 'neutral' | 'positive'; score: number };
  /**
   * What the word lists alone said: polarity in -1..1, feelings 0..1, whether any term was found, and the
   * feelings the writer denied ("我没有生气", "not angry").
   */
  lexical: { polarity: number; feelings: Record<Feeling, number>; spoke: boolean; denied: Feeling[]; negated: boolean };
}

// The hand-tuned service-chat entries above are the core; the JSON word lists extend them.
const LEXICON_DATA = buildLexicon({
  anger: Object.fromEntries(LEXICON.anger),
  anxiety: Object.fromEntries(LEXICON.anxiety),
  sadness: Object.fromEntries(LEXICON.sadness),
  positive: Object.fromEntries(POSITIVE.map((t) => [t, 0.6])),
  degree: Object.fromEntries(INTENSIFIERS.map((t) => [t.trim(), 1.4])),
  negation: NEGATIONS.map((t) => t.trim()).filter((t) => t !== "n't"),
  urgency: DEMANDING.map((t) => t.trim()),
  rhetorical: RHETORICAL,
});
// Self-negating words keep their own meaning: "不满" is dissatisfaction, "不安" unease.
for (const t of ['不满', '不像话', '不作为', '不安']) LEXICON_DATA.info.get(t)!.negation = undefined;

/** Every lexicon term, so a caller can find them in the same pass as its own terms. */
export const LEXICON_TERMS: readonly string[] = [...LEXICON_DATA.info.keys()];

const HAN_GAP = 2;
const LATIN_GAP = 14;

/** Where the clause holding `from` ends: the next comma or full stop, or the end of the message. */
const CLAUSE_END = /[,.!?;，。！？；、~～]/g;
function clauseEnd(norm: string, from: number): number {
  CLAUSE_END.lastIndex = from;
  return CLAUSE_END.exec(norm)?.index ?? norm.length;
}

interface Reach {
  negated: boolean;
  degree: number;
  /** The negation that flipped the term reaches a whole clause ("没有想象中…"): the clause need not flip it again. */
  scoped: boolean;
  /** The negation insists ("一点都不难吃"): denying a fault is then praise, not a shrug. */
  emphatic: boolean;
  /** A negation shares characters with the term ("一点也不" + "不好吃"): the term has already taken it in. */
  shared: boolean;
}

/** Negation and degree words that bear on `hit`: the run of modifiers right before it. */
function modifiers(hits: Hit[], i: number, norm: string): Reach {
  const r: Reach = { negated: false, degree: 1, scoped: false, emphatic: false, shared: false };
  let proximal = false;
  let edge = hits[i]!.at;
  for (let j = i - 1; j >= 0 && j >= i - 3; j--) {
    const m = hits[j]!;
    if (m.inner) continue;
    if (m.end > edge && m.info.negation && LEXICON_DATA.info.get(norm.slice(edge, m.end))?.negation) {
      // "不好吃", "没法吃", "不沾边" carry their own negation: "一点也不好吃" says it once, with emphasis.
      r.shared = true;
      r.emphatic ||= !!m.info.emphatic;
      edge = m.at;
      continue;
    }
    const gap = norm.slice(m.end, edge);
    if (gap.length > (/[a-z]/.test(gap) || /^[a-z]/.test(m.term) ? LATIN_GAP : HAN_GAP) || /[,.!?;，。！？；]/.test(gap)) break;
    // A degree word that follows its term ("快到离谱") belongs to the term before it.
    if (m.info.post) break;
    if (m.info.negation) {
      // "从没吃过这么难吃的", "没见过如此贴心的": a negation before "这么" sets up a superlative, it denies nothing.
      if (!(proximal && !m.info.scope)) {
        r.negated = !r.negated;
        r.scoped ||= !!m.info.scope;
        r.emphatic ||= !!m.info.emphatic;
      }
    } else if (m.info.degree) {
      r.degree *= m.info.degree;
      proximal ||= !!m.info.proximal;
    } else break;
    edge = m.at;
  }
  // "快到离谱", "好吃到哭": a degree word right after the term strengthens it.
  const next = hits[i + 1];
  if (next && next.info.post && next.info.degree && next.at >= hits[i]!.end && next.at - hits[i]!.end <= 1) r.degree *= next.info.degree;
  return r;
}

const OPEN_QUOTES = new Set(['"', '“', '「', '『', '《']);
const CLOSE_QUOTES = new Set(['"', '”', '」', '』', '》']);
const QUOTE_REACH = 3;
/**
 * Praise in quotation marks is meant the other way: 真是"贴心"啊, 「好棒棒」的服务, such "great" service.
 * A quotation after 说 / a colon reports what someone said ("我妈说"很好用""), which is meant as said.
 */
function quotedPraise(norm: string, at: number, end: number): boolean {
  let open = -1;
  for (let k = at - 1; k >= 0 && k >= at - QUOTE_REACH; k--) {
    const c = norm[k]!;
    if (OPEN_QUOTES.has(c)) {
      open = k;
      break;
    }
    if (c === ',' || c === '.' || c === '!' || c === '?' || c === '，' || c === '。') return false;
  }
  if (open < 0 || norm[open] === '《') return false;
  const before = norm[open - 1];
  if (before === '说' || before === ':' || before === '道' || before === '写') return false;
  for (let k = end; k < norm.length && k < end + QUOTE_REACH; k++) if (CLOSE_QUOTES.has(norm[k]!)) return norm[k] !== '》';
  return false;
}

/**
 * Emotion and polarity from lexicon hits, with negation (flips polarity, cancels a feeling), degree words
 * (scale the next term), contrast ("但是", "but": what follows counts more), and intensity boosts from
 * demands, rhetorical questions, repeated punctuation, shouting and emoji. `raw` keeps case and punctuation.
 */
export function readEmotion(raw: string, norm: string, extraAnger: number, occurrences: Occurrence[]): EmotionReading {
  const hits = findHits(LEXICON_DATA, occurrences);
  const feelings: Record<Feeling, number> = { anger: 0, anxiety: 0, sadness: 0 };
  let polarity = 0;
  let positive = 0;
  let spoke = false;
  let urgency = 0;
  let rhetorical = 0;
  const denied: Feeling[] = [];
  let negatedAny = false;
  let degreeUsed = false;
  // What follows a contrast counts more ("…，但是…"); a concession ("虽然…，") gives way at the end of its clause.
  let contrastAt = -1;
  for (const h of hits) if (h.info.contrast) contrastAt = Math.max(contrastAt, h.info.concessive ? clauseEnd(norm, h.end) : h.at);
  // A negation that reaches its whole clause ("没有想象中…", "不像有些…") and where that clause ends.
  let scopeEnd = -1;
  hits.forEach((h, i) => {
    if (h.inner) {
      const [f, w] = h.info.feeling!;
      feelings[f] = feelings[f] + w * (1 - feelings[f]);
      return;
    }
    if (h.info.scope) scopeEnd = clauseEnd(norm, h.end);
    if (h.info.urgency) urgency++;
    if (h.info.rhetorical) rhetorical++;
    const weight = h.info.polarity;
    if (!weight && !h.info.feeling && !h.info.insult && !h.info.threat) return;
    spoke = true;
    const reach = modifiers(hits, i, norm);
    const { degree } = reach;
    const negated = reach.negated !== (h.at < scopeEnd && !reach.scoped);
    const place = contrastAt < 0 ? 1 : h.at > contrastAt ? 1.5 : 0.6;
    if (reach.shared) negatedAny = true;
    if (negated) {
      negatedAny = true;
      if (h.info.feeling) denied.push(h.info.feeling[0]);
      // "not good" is bad; "not bad" is only mildly good, unless the denial insists ("一点都不难吃").
      if (weight > 0) polarity -= 0.7 * weight * place;
      else {
        polarity -= (reach.emphatic ? 0.6 : 0.35) * weight * place;
        positive += reach.emphatic ? 1 : 0.5;
      }
      return;
    }
    if (weight > 0 && quotedPraise(norm, h.at, h.end)) {
      negatedAny = true;
      polarity -= 0.8 * weight * place;
      return;
    }
    if (degree !== 1) degreeUsed = true;
    polarity += weight * Math.min(degree, 1.8) * place;
    if (weight > 0) positive++;
    // A feeling the writer has moved past ("本来很担心，结果…") weighs less.
    const feel = (f: Feeling, w: number) => {
      const x = Math.min(1, w * Math.min(degree, 1.5) * Math.min(1, place));
      feelings[f] = feelings[f] + x * (1 - feelings[f]);
    };
    if (h.info.feeling) feel(h.info.feeling[0], h.info.feeling[1]);
    if (h.info.insult) feel('anger', h.info.insult);
    if (h.info.threat) feel('anger', 0.3 * h.info.threat);
  });
  if (/👍|😊|😄|😁|❤️|🥰|👏|🙏/u.test(raw)) {
    polarity += 0.4;
    spoke = true;
  }
  const boost =
    // Intensifiers count wherever they are, also inside a longer term ("太离谱"), unless one already scaled a term.
    (degreeUsed ? 0 : 0.08 * Math.min(3, INTENSIFIERS.filter((w) => norm.includes(w)).length)) +
    0.1 * Math.min(2, urgency) +
    0.12 * Math.min(2, rhetorical) +
    (/[!！]{2,}|[?？]{3,}|[!！][?？]|[?？][!！]/.test(raw) ? 0.12 : /[!！]/.test(raw) ? 0.04 : 0) +
    ((raw.match(/\b[A-Z]{4,}\b/g) ?? []).length >= 2 ? 0.12 : 0) +
    (/😡|🤬|😤|💢|👿/u.test(raw) ? 0.25 : 0);
  const lexPolarity = Math.tanh(polarity);
  feelings.anger = Math.min(1, feelings.anger + extraAnger);
  // Crying faces under clear praise are delight ("终于找到一家不踩雷的😭"), not distress.
  if (lexPolarity <= 0.3) {
    feelings.anxiety = Math.min(1, feelings.anxiety + (/😰|😭|😟|🥺|😱/u.test(raw) ? 0.2 : 0));
    feelings.sadness = Math.min(1, feelings.sadness + (/😞|😔|😢|💔/u.test(raw) ? 0.2 : 0));
  }
  const lexical = { polarity: lexPolarity, feelings: { ...feelings }, spoke, denied, negated: negatedAny };

  const ranked = (Object.entries(feelings) as Array<[Feeling, number]>).sort((a, b) => b[1] - a[1]);
  const [topLabel, topScore] = ranked[0]!;
  if (topScore <= 0) {
    const score = Math.round(lexPolarity * 100) / 100;
    return { label: 'none', intensity: 0, sentiment: { label: score > 0.1 ? 'positive' : score < -0.1 ? 'negative' : 'neutral', score }, lexical };
  }
  // Boosts amplify a feeling that is there; they do not create one on their own.
  const intensity = Math.min(1, topScore + boost * (0.5 + topScore));
  const felt = -intensity + positive * 0.3;
  // A weak feeling word ("没想到", "无语了") does not outweigh clear praise around it: "没想到这么好看".
  const sentimentScore = Math.max(-1, Math.min(1, lexPolarity > 0.3 && topScore < 0.45 ? Math.max(felt, lexPolarity - topScore) : Math.min(lexPolarity, felt)));
  return {
    label: topLabel,
    intensity: Math.round(intensity * 100) / 100,
    sentiment: { label: sentimentScore < -0.1 ? 'negative' : sentimentScore > 0.1 ? 'positive' : 'neutral', score: Math.round(sentimentScore * 100) / 100 },
    lexical,
  };
}

/** Insults and threats raise anger beyond what single words say. */
export const INSULTS = ['傻逼', '脑残', '废物', '混蛋', '他妈', '妈的', 'tmd', '去死', 'idiot', 'idiots', 'moron', 'stupid', 'fuck', 'fucking', 'bastard', 'bullshit'];
