/**
 * Splits text into the pieces of a unigram SentencePiece vocabulary (the one the English sentence encoder
 * was trained with): of all ways to cut the text into known pieces, the one whose pieces' log-probabilities
 * sum highest (Viterbi over the cut points). Characters no piece covers are left out: the encoder has no
 * id for them that means anything.
 */
export class SentencePieces {
  private readonly ids = new Map<string, number>();
  private readonly scores: Float64Array;
  private readonly longest: number;

  /** `vocabulary`: [piece, log-probability] by id; the first `reserved` ids are control symbols, never matched. */
  constructor(vocabulary: ReadonlyArray<readonly [string, number]>, reserved = 6) {
    this.scores = new Float64Array(vocabulary.length);
    let longest = 1;
    for (let id = reserved; id < vocabulary.length; id++) {
      const [piece, score] = vocabulary[id]!;
      this.ids.set(piece, id);
      this.scores[id] = score;
      longest = Math.max(longest, [...piece].length);
    }
    this.longest = longest;
  }

  /** Piece ids of `text`, in order. Words start with '▁', as in training, where spaces became '▁'. */
  encode(text: string): number[] {
    const normal = text.normalize('NFKC').trim();
    if (!normal) return [];
    const chars = [...('\u2581' + normal.replace(/\s+/g, '\u2581'))];
    const n = chars.length;
    // best[i]: highest total score of a cut of chars[0, i); from[i]: where its last piece starts; pieceAt[i]: its id
    // (-1: a dropped character). Every position is reached, since unknown characters are stepped over.
    const best = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1).fill(-1);
    const pieceAt = new Int32Array(n + 1).fill(-1);
    best[0] = 0;
    for (let start = 0; start < n; start++) {
      let piece = '';
      for (let end = start + 1; end <= Math.min(n, start + this.longest); end++) {
        piece += chars[end - 1];
        const id = this.ids.get(piece);
        if (id === undefined) continue;
        const score = best[start]! + this.scores[id]!;
        if (score >= best[end]!) {
          best[end] = score;
          from[end] = start;
          pieceAt[end] = id;
        }
      }
      // A character no piece starts with is dropped: the cut jumps over it at no cost.
      if (best[start + 1] === -Infinity) {
        best[start + 1] = best[start]!;
        from[start + 1] = start;
      }
    }
    const out: number[] = [];
    for (let end = n; end > 0; end = from[end]!) if (pieceAt[end]! >= 0) out.push(pieceAt[end]!);
    return out.reverse();
  }
}
