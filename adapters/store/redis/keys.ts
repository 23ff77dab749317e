// Key layout of the Redis store. See the comment at the top of redis-store.ts for the design.
//
// Every key but <prefix>store:meta (the bucket count) reads  <prefix>{<tag>}<name>  where <tag> is the tag of one of B buckets.
// Bucket b's tag is a short string chosen so that it hashes to Redis Cluster slot b * 16384 / B, so
// all keys of a bucket share one slot and the buckets are spread evenly over the slot range (and so
// over the masters). Single-instance mode uses B = 1: one tag, no pointers.
//
// Names inside a bucket (X = conversation id, C = customer id, K = ticket id, U = channel user,
// dk = dedupe key, P = phone):
//   c:X   conversation          "<version>|<json without version>"
//   m:X   transcript (list)     "<n>|<json without conversationId and n>", in order
//   w:U   the channel user's conversation id (unique per channel user)
//   u:C   customer              "<version>|<json>"
//   t:K   ticket                "<version>|<json>"
//   k:C   the customer's tickets (zset: ticket id by createdAt ms)
//   r:dk  turn record           compact "#{...,"k":<replies>}" (replies read back from the transcript) or full JSON
//   e     pending effects (hash: id -> "<attempts>|<notBefore>|<json>"),  E  the same ids by notBefore ms (zset)
//   s:<status>  conversations by dialog status (zset: id by updatedAt ms)
//   S:<status>  tickets by status (zset: id by createdAt ms)
//   p:P   customers with this phone (zset: customer id by the version that set it; readers verify)
//   x     prepared parts of multi-slot commits (hash: txid -> part), present only while one is in flight
//   l     prepare locks (hash: key -> txid), likewise
//   X:txid  a multi-slot commit's state in its primary bucket: "p|<deadline>|<buckets>", "c||<buckets>"
// Location pointers, only when B > 1, in the bucket of the id they are keyed by; the value is the
// bucket where the record lives; written once (first claim wins) and never changed:
//   W:U  (w:U)   U:C  (u:C, k:C)   T:K  (t:K)   D:dk  (r:dk)
// Conversations, transcripts and effects need no pointer: they live in the bucket of the conversation id.

export const SLOTS = 16384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC16-XMODEM, the hash Redis Cluster uses for key slots. */
export function crc16(s: string): number {
  const bytes = Buffer.from(s, 'utf8');
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

/** The cluster slot of a whole string (no hash-tag parsing: used for tags and ids, not for keys). */
export const slotOf = (s: string): number => crc16(s) % SLOTS;

const tagCache = new Map<number, string[]>();

/** Tag strings for B buckets: tag b hashes to slot b * (16384 / B). */
export function bucketTags(buckets: number): string[] {
  let tags = tagCache.get(buckets);
  if (tags) return tags;
  const step = SLOTS / buckets;
  const found: Array<string | undefined> = new Array(buckets);
  let missing = buckets;
  for (let i = 0; missing > 0; i++) {
    const candidate = i.toString(36);
    const slot = slotOf(candidate);
    if (slot % step !== 0) continue;
    const b = slot / step;
    if (found[b] === undefined) {
      found[b] = candidate;
      missing--;
    }
  }
  tags = found as string[];
  tagCache.set(buckets, tags);
  return tags;
}

export function validBucketCount(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= SLOTS && (n & (n - 1)) === 0;
}

export const CONVERSATION_STATUSES = ['bot', 'waiting_for_agent', 'with_agent'] as const;

/** Pointer kinds: which record a location pointer locates. */
export type PointerKind = 'W' | 'U' | 'T' | 'D';

export class KeyLayout {
  readonly tags: string[];
  private readonly step: number;
  constructor(
    readonly prefix: string,
    readonly buckets: number,
  ) {
    if (/[{}]/.test(prefix)) throw new Error('a Redis key prefix must not contain { or }');
    if (!validBucketCount(buckets)) throw new Error(`bucket count must be a power of two from 1 to ${SLOTS}, not ${buckets}`);
    this.tags = bucketTags(buckets);
    this.step = SLOTS / buckets;
  }

  /** The bucket an id hashes to: the home of a conversation id, or of a pointer keyed by an id. */
  bucketOf(id: string): number {
    return this.buckets === 1 ? 0 : Math.floor(slotOf(id) / this.step);
  }

  /** `<prefix>{<tag>}`: what every key of bucket b starts with. */
  base(b: number): string {
    return `${this.prefix}{${this.tags[b]}}`;
  }

  key(b: number, name: string): string {
    return this.base(b) + name;
  }

  pending(b: number): string {
    return this.key(b, 'x');
  }
  locks(b: number): string {
    return this.key(b, 'l');
  }

  /** A location pointer's key: in the bucket of the id it is keyed by. */
  pointer(kind: PointerKind, id: string): string {
    return this.key(this.bucketOf(id), `${kind}:${id}`);
  }
}

/** One string for a channel user; the channel is escaped so that "a:b"+"c" and "a"+"b:c" differ. */
export const channelUser = (channel: string, channelUserId: string): string => `${encodeURIComponent(channel)}:${channelUserId}`;

/** Transaction ids carry their primary bucket, so whoever finds a prepared part knows where its decision is. */
export const primaryOf = (txid: string): number => Number(txid.slice(0, txid.indexOf('.')));
