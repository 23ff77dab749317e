import type { Emotion } from './types.ts';
import { TermSet } from './text.ts';

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
const NEGATIONS = ['不', '没', '没有', '并不', '不会', '别', '无', 'not ', "n't ", 'no ', 'never ', 'not really '];
const DEMANDING = ['必须', '马上', '立刻', '立即', '限你', '今天之内', 'immediately', 'right now', 'right away', 'at once', 'must '];
const RHETORICAL = ['难道', '凭什么', '还要等多久', '到底要', '有没有搞错', '还想怎样', '你们是干什么的', '你们干什么吃的',
  'how many times', 'how long do i have to', 'are you kidding', 'what is wrong with you', 'is this a joke', 'seriously?'];
const POSITIVE = ['谢谢', '感谢', '满意', '很好', '不错', '辛苦了', '点赞', '给力', '好评', '解决了', 'thank', 'thanks', 'great',
  'satisfied', 'appreciate', 'excellent', 'perfect', 'helpful', 'resolved', 'awesome', 'good job', 'well done'];

export interface EmotionReading {
  label: Emotion;
  intensity: number;
  sentiment: { label: 'negative' | 'neutral' | 'positive'; score: number };
}

function negatedBefore(text: string, at: number): boolean {
  const window = text.slice(Math.max(0, at - 4), at);
  return NEGATIONS.some((n) => window.endsWith(n) || window.endsWith(n.trim()));
}

/**
 * Emotion from lexicon hits, scaled by intensifiers, demands, rhetorical questions, repeated punctuation,
 * shouting and insults. `raw` keeps case and punctuation; `norm` is the normalised text.
 */
const LEXICON_TERMS = new TermSet(Object.values(LEXICON).flatMap((terms) => terms.map(([t]) => t)));
const LEXICON_ENTRY = new Map<string, [keyof typeof LEXICON, number]>();
for (const [label, terms] of Object.entries(LEXICON) as Array<[keyof typeof LEXICON, Array<[string, number]>]>) {
  for (const [term, weight] of terms) LEXICON_ENTRY.set(term, [label, weight]);
}
const POSITIVE_TERMS = new TermSet(POSITIVE);
// Words whose first character is itself a negation: "不满" is dissatisfaction, not "not full".
const SELF_NEGATING = new Set(['不满', '不像话', '不作为', '不安']);

export function readEmotion(raw: string, norm: string, extraAnger = 0): EmotionReading {
  const scores: Record<Exclude<Emotion, 'none'>, number> = { anger: 0, anxiety: 0, sadness: 0 };
  for (const [term, at] of LEXICON_TERMS.find(norm)) {
    if (negatedBefore(norm, at) && !SELF_NEGATING.has(term)) continue;
    const [label, weight] = LEXICON_ENTRY.get(term)!;
    // Several hits add up, with diminishing returns.
    scores[label] = scores[label] + weight * (1 - scores[label]);
  }
  const boost =
    0.08 * Math.min(3, INTENSIFIERS.filter((w) => norm.includes(w)).length) +
    0.1 * Math.min(2, DEMANDING.filter((w) => norm.includes(w)).length) +
    0.12 * Math.min(2, RHETORICAL.filter((w) => norm.includes(w)).length) +
    (/[!！]{2,}|[?？]{3,}|[!！][?？]|[?？][!！]/.test(raw) ? 0.12 : /[!！]/.test(raw) ? 0.04 : 0) +
    ((raw.match(/\b[A-Z]{4,}\b/g) ?? []).length >= 2 ? 0.12 : 0) +
    (/😡|🤬|😤|💢|👿/u.test(raw) ? 0.25 : 0);
  const anxious = /😰|😭|😟|🥺|😱/u.test(raw) ? 0.2 : 0;
  const sad = /😞|😔|😢|💔/u.test(raw) ? 0.2 : 0;
  scores.anger = Math.min(1, scores.anger + extraAnger);
  scores.anxiety = Math.min(1, scores.anxiety + anxious);
  scores.sadness = Math.min(1, scores.sadness + sad);

  const ranked = (Object.entries(scores) as Array<[keyof typeof scores, number]>).sort((a, b) => b[1] - a[1]);
  const [topLabel, topScore] = ranked[0]!;
  const positive = [...POSITIVE_TERMS.find(norm)].filter(([, at]) => !negatedBefore(norm, at)).length;
  if (topScore <= 0) {
    const score = Math.min(1, positive * 0.4);
    return { label: 'none', intensity: 0, sentiment: { label: score > 0 ? 'positive' : 'neutral', score } };
  }
  // Boosts amplify a feeling that is there; they do not create one on their own.
  const intensity = Math.min(1, topScore + boost * (0.5 + topScore));
  const sentimentScore = Math.max(-1, Math.min(1, -intensity + positive * 0.3));
  return {
    label: topLabel,
    intensity: Math.round(intensity * 100) / 100,
    sentiment: { label: sentimentScore < -0.1 ? 'negative' : sentimentScore > 0.1 ? 'positive' : 'neutral', score: Math.round(sentimentScore * 100) / 100 },
  };
}

/** Insults and threats raise anger beyond what single words say. */
export const INSULTS = ['傻逼', '脑残', '废物', '混蛋', '他妈', '妈的', 'tmd', '去死', 'idiot', 'idiots', 'moron', 'stupid', 'fuck', 'fucking', 'bastard', 'bullshit'];
