import type { EmotionReading } from './emotion.ts';
import type { LabelledExample } from './labelled.ts';
import { LinearModel } from './linear-model.ts';
import type { FeatureRow } from './vocabulary.ts';
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

/** Softens a model's distribution (square root, renormalised): a model that memorised its data is overconfident. */
function temper(p: Float64Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += p[i] = Math.sqrt(p[i]!);
  for (let i = 0; i < p.length; i++) p[i]! /= sum;
  return p;
}

const lexicalOnly: ReadAffect = (_features, lex) => ({
  emotion: { label: lex.label, intensity: lex.intensity },
  sentiment: lex.sentiment,
  complaint: lex.lexical.polarity < -0.3 ? 0.55 : 0.3,
});
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
  const scoreAll = LinearModel.joint([sentiment, emotion, complaint]);

  return (features, lex) => {
    // Without a word in it (a phone number, "?!"), a message gives the models nothing to read.
    if (features.scripts === 0) return lexicalOnly(features, lex);
    const v = sentiment.vocabulary.query(features);
    // The models speak in proportion to how much of the message they have seen words like: on vocabulary
    // they never met, their answer is only their prior, and the word lists should decide.
    const seen = Math.min(1, v.coverage / 0.5);
    const trust = (listsWeight: number) => 1 - (1 - listsWeight) * seen;
    // Strong words ("气死", "furious", "太差") are rarely meant otherwise: the stronger the lists' reading,
    // the more it counts against the models, which learned from a few thousand examples and are sure too soon.
    const strength = Math.abs(lex.lexical.polarity);
    // The models read words, not their scope: "wasn't helpful" looks like praise to them, so the lists,
    // which do read negation, decide when one was flipped.
    const w = trust(lex.lexical.negated ? 0.8 : lex.lexical.spoke ? 0.35 + 0.45 * strength : 0.15);
    const [sentimentP, emotionP, complaintP] = scoreAll(v) as [Float64Array, Float64Array, Float64Array];
    const ps = temper(sentimentP);
    const lexScore = lex.sentiment.score;
    // The lists' score as a distribution: calm up to about ±0.1, clearly one way from about ±0.4.
    const lexCalm = Math.max(0, 1 - 2.5 * Math.abs(lexScore));
    const pos = w * (lexScore > 0 ? 1 - lexCalm : 0) + (1 - w) * p(ps, POS);
    const neg = w * (lexScore < 0 ? 1 - lexCalm : 0) + (1 - w) * p(ps, NEG);
    const neu = w * lexCalm + (1 - w) * p(ps, NEU);
    const score = Math.max(-1, Math.min(1, pos - neg));
    const sentimentLabel = neu > pos && neu > neg ? 'neutral' : pos >= neg ? 'positive' : 'negative';

    // The lists' "no feeling" only counts when they read the message as calm or kind; a complaint the lists
    // find negative without naming a feeling ("Day 63. Still waiting.") is for the model to read.
    const feltByLists = FEELINGS.some((f) => lex.lexical.feelings[f] > 0) || lex.lexical.polarity > 0.3;
    const felt = Math.max(...FEELINGS.map((f) => lex.lexical.feelings[f]));
    const we = trust(felt > 0 ? 0.35 + 0.5 * felt : feltByLists ? 0.5 : 0.15);
    const pe = temper(emotionP);
    // A feeling the writer denies in so many words is not read into the message by the model.
    const blended = FEELINGS.map(
      (f) => [f, (we * lex.lexical.feelings[f] + (1 - we) * p(pe, feelingAt[f])) * (lex.lexical.denied.includes(f) ? 0.3 : 1)] as const,
    );
    // As for sentiment: a feeling word of middling weight already rules "no feeling" out for the lists.
    const none = we * Math.max(0, 1 - 2 * felt) + (1 - we) * p(pe, feelingAt.none);
    const [top, topScore] = blended.reduce((a, b) => (b[1] > a[1] ? b : a));
    // A feeling named in so many words ("annoyed", "有点生气") stands even when the models hear none: they
    // learned mostly from complaints told calmly. They may still say which feeling it is.
    let label: Emotion = topScore > none ? top : lex.label;
    // A feeling also needs the message to lean negative: "谢谢你们这么着急帮我处理" is not anxiety.
    if (label !== 'none' && score > 0.3 && lex.label === 'none') label = 'none';
    const intensity =
      label === 'none' ? 0
      : lex.label === label ? lex.intensity
      : round(Math.min(LEARNED_ONLY_MAX, Math.max(lex.lexical.feelings[label], 0.2 + 0.6 * topScore)));

    return {
      emotion: { label, intensity },
      sentiment: { label: sentimentLabel, score: round(score) },
      complaint: p(complaintP, YES),
    };
  };
}
