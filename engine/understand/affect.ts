import type { EmotionReading } from './emotion.ts';
import type { LabelledExample } from './labelled.ts';
import { LinearModel, type FeatureRow } from './linear-model.ts';
import { normalize } from './text.ts';
import type { Emotion } from './types.ts';

// Word lists know words; models learned from labelled messages know how people put things ("还能再慢点吗",
// "third outage this week, thanks a lot"). Each covers the other's blind spots, so the reading blends both.
// The lists weigh more when they found something, the models carry the message when the lists found nothing.

export interface Affect {
  emotion: { label: Emotion; intensity: number };
  sentiment: { label: 'negative' | 'neutral' | 'positive'; score: number };
  /** Learned chance that the message reports a problem for the company to handle. */
  complaint: number;
}

export type ReadAffect = (features: FeatureRow, lexical: EmotionReading) => Affect;

const FEELINGS = ['anger', 'anxiety', 'sadness'] as const;
/** A feeling the word lists did not see is never read as intense enough to hand off on its own. */
const LEARNED_ONLY_MAX = 0.7;
const round = (x: number) => Math.round(x * 100) / 100;

const lexicalOnly: ReadAffect = (_features, lex) => ({ emotion: { label: lex.label, intensity: lex.intensity }, sentiment: lex.sentiment, complaint: 0.5 });
const readers = new WeakMap<LabelledExample[], ReadAffect>();

/** One reader per set of examples: every pack in the process shares the models learned from the same data. */
export function affectReaderFor(examples: LabelledExample[]): ReadAffect {
  let reader = readers.get(examples);
  if (!reader) readers.set(examples, (reader = examples.length ? createAffectReader(examples) : lexicalOnly));
  return reader;
}

function createAffectReader(examples: LabelledExample[]): ReadAffect {
  const [sentiment, emotion, complaint] = LinearModel.family(
    examples.map((e) => normalize(e.text)),
    [examples.map((e) => e.sentiment), examples.map((e) => e.emotion), examples.map((e) => (e.complaint ? 'yes' : 'no'))],
    { epochs: 6 },
  ) as [LinearModel, LinearModel, LinearModel];
  const at = (model: LinearModel, label: string) => model.labels.indexOf(label);
  const [POS, NEG, NEU] = ['positive', 'negative', 'neutral'].map((l) => at(sentiment, l)) as [number, number, number];
  const YES = at(complaint, 'yes');
  const feelingAt = Object.fromEntries([...FEELINGS, 'none'].map((l) => [l, at(emotion, l)])) as Record<Emotion, number>;
  const p = (probs: Float64Array, i: number) => (i < 0 ? 0 : probs[i]!);

  return (features, lex) => {
    const v = sentiment.vocabulary.query(features);
    const w = lex.lexical.spoke ? 0.5 : 0.15;
    const ps = sentiment.probabilitiesOf(v);
    const lexScore = lex.sentiment.score;
    const pos = w * Math.max(0, lexScore) + (1 - w) * p(ps, POS);
    const neg = w * Math.max(0, -lexScore) + (1 - w) * p(ps, NEG);
    const neu = w * (1 - Math.abs(lexScore)) + (1 - w) * p(ps, NEU);
    const score = Math.max(-1, Math.min(1, pos - neg));
    const sentimentLabel = neu > pos && neu > neg ? 'neutral' : pos >= neg ? 'positive' : 'negative';

    const pe = emotion.probabilitiesOf(v);
    const blended = FEELINGS.map((f) => [f, w * lex.lexical.feelings[f] + (1 - w) * p(pe, feelingAt[f])] as const);
    const none = w * (1 - Math.max(...FEELINGS.map((f) => lex.lexical.feelings[f]))) + (1 - w) * p(pe, feelingAt.none);
    const [top, topScore] = blended.reduce((a, b) => (b[1] > a[1] ? b : a));
    let label: Emotion = topScore > none ? top : 'none';
    // A feeling also needs the message to lean negative: "谢谢你们这么着急帮我处理" is not anxiety.
    if (label !== 'none' && score > 0.3 && lex.label === 'none') label = 'none';
    const intensity =
      label === 'none' ? 0
      : lex.label === label ? lex.intensity
      : round(Math.min(LEARNED_ONLY_MAX, Math.max(lex.lexical.feelings[label], 0.2 + 0.6 * topScore)));

    return {
      emotion: { label, intensity },
      sentiment: { label: sentimentLabel, score: round(score) },
      complaint: p(complaint.probabilitiesOf(v), YES),
    };
  };
}
