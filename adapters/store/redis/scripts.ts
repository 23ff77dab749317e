// Lua scripts of the Redis store, loaded with ioredis defineCommand (EVALSHA, EVAL on first use per
// connection). Every script touches keys of one bucket (one cluster slot) only: KEYS[1] anchors the
// slot; other keys of the same bucket may be derived inside the script from the bucket's base name.

const NOW_MS = `local function now_ms() local t = redis.call('TIME') return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end`;

// Runs ops given as (op, keyIndex, a, b) quadruples of `ops` starting at `from`, keys from `keys`.
const RUN = `
local function run(keys, ops, from, n)
  for o = 0, n - 1 do
    local j = from + o * 4
    local op, key, a, b = ops[j], keys[tonumber(ops[j + 1])], ops[j + 2], ops[j + 3]
    if op == 'SET' then redis.call('SET', key, a)
    elseif op == 'RPUSH' then redis.call('RPUSH', key, a)
    elseif op == 'HSET' then redis.call('HSET', key, a, b)
    elseif op == 'ZADD' then redis.call('ZADD', key, a, b)
    elseif op == 'ZADDGT' then redis.call('ZADD', key, 'GT', a, b)
    elseif op == 'ZREM' then redis.call('ZREM', key, a)
    else error('unknown op ' .. tostring(op)) end
  end
end`;

/**
 * The commit script: all checks of one bucket first, then all its writes, or nothing.
 * KEYS[1] pending parts (x), KEYS[2] locks (l), KEYS[3] the decision key (decide) or x, KEYS[4..] records.
 * ARGV: mode (one | prep | decide), txid ('' for one), number of checks, checks as (kind, keyIndex, arg),
 * number of ops, ops as (op, keyIndex, a, b).
 * Checks: V version (arg: expected version, '' = must be absent); D dedupe key must be absent;
 * W channel user is free or already this conversation (arg: conversation id); O returns a customer's
 * stored phone (arg: covered flag '1'/'0' then the new phone), NEEDPHONE when the phone changes to one
 * whose index entry is not covered by this commit.
 * one: apply. prep: lock the checked keys and keep the ops as a prepared part under txid.
 * decide: only while the decision key says prepared ("p|deadline|...") and before its deadline; applies
 * and turns it into "c||<buckets>" in the same step.
 * Returns {'OK', oldPhone...} or {'CONFLICT', keyIndex, found} / {'DUPLICATE', keyIndex} / {'BUSY', txid}
 * / {'NEEDPHONE', keyIndex} / {'ABORTED'}.
 */
export const COMMIT = `
${NOW_MS}
${RUN}
local mode, txid = ARGV[1], ARGV[2]
local nchecks = tonumber(ARGV[3])
local i = 4
local checks = {}
for c = 1, nchecks do
  checks[c] = { ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2] }
  i = i + 3
end
local nops = tonumber(ARGV[i])
local opsFrom = i + 1
local buckets = ''
if mode == 'decide' then
  local d = redis.call('GET', KEYS[3])
  if not d then return { 'ABORTED' } end
  local state, deadline, info = string.match(d, '^(%a)|(%d*)|(.*)$')
  if state ~= 'p' then return { 'ABORTED' } end
  if now_ms() > tonumber(deadline) then
    redis.call('DEL', KEYS[3])
    return { 'ABORTED' }
  end
  buckets = info
end
local function fail(r)
  if mode == 'decide' then redis.call('DEL', KEYS[3]) end
  return r
end
local out = { 'OK' }
local locks = {}
for c = 1, nchecks do
  local kind, k, arg = checks[c][1], checks[c][2], checks[c][3]
  local key = KEYS[k]
  if kind ~= 'O' then
    local holder = redis.call('HGET', KEYS[2], key)
    if holder and holder ~= txid then return fail({ 'BUSY', holder }) end
    locks[#locks + 1] = key
  end
  if kind == 'V' then
    local raw = redis.call('GET', key)
    local found = raw and string.match(raw, '^(%d+)|') or ''
    if found ~= arg then return fail({ 'CONFLICT', tostring(k), found }) end
  elseif kind == 'D' then
    if redis.call('EXISTS', key) == 1 then return fail({ 'DUPLICATE', tostring(k) }) end
  elseif kind == 'W' then
    local cur = redis.call('GET', key)
    if cur and cur ~= arg then return fail({ 'CONFLICT', tostring(k), '1' }) end
  elseif kind == 'O' then
    local raw = redis.call('GET', key)
    local old = ''
    if raw then
      local bar = string.find(raw, '|', 1, true)
      local ok, rec = pcall(cjson.decode, string.sub(raw, bar + 1))
      if ok and type(rec) == 'table' and type(rec.phone) == 'string' then old = rec.phone end
    end
    local covered, phone = string.sub(arg, 1, 1), string.sub(arg, 2)
    if phone ~= '' and phone ~= old and covered ~= '1' then return fail({ 'NEEDPHONE', tostring(k) }) end
    out[#out + 1] = old
  else
    return fail({ 'ERR', 'unknown check ' .. tostring(kind) })
  end
end
if mode == 'prep' then
  for _, key in ipairs(locks) do redis.call('HSET', KEYS[2], key, txid) end
  local ops = {}
  for j = opsFrom, opsFrom + nops * 4 - 1 do ops[#ops + 1] = ARGV[j] end
  redis.call('HSET', KEYS[1], txid, cjson.encode({ k = KEYS, o = ops, l = locks }))
  return out
end
run(KEYS, ARGV, opsFrom, nops)
if mode == 'decide' then redis.call('SET', KEYS[3], 'c||' .. buckets) end
return out
`;

/** Rolls a prepared part forward (apply) or drops it (abort); either way releases its locks. KEYS: x, l. ARGV: apply|abort, txid. */
export const SETTLE_PART = `
${RUN}
local raw = redis.call('HGET', KEYS[1], ARGV[2])
if not raw then return 0 end
local part = cjson.decode(raw)
if ARGV[1] == 'apply' then run(part.k, part.o, 1, math.floor(#part.o / 4)) end
for _, key in ipairs(part.l) do
  if redis.call('HGET', KEYS[2], key) == ARGV[2] then redis.call('HDEL', KEYS[2], key) end
end
redis.call('HDEL', KEYS[1], ARGV[2])
return 1
`;

/** Starts a multi-slot commit in its primary bucket. KEYS: X. ARGV: lock ms, secondary buckets. Returns the deadline (server time). */
export const TX_BEGIN = `
${NOW_MS}
local deadline = now_ms() + tonumber(ARGV[1])
redis.call('SET', KEYS[1], 'p|' .. deadline .. '|' .. ARGV[2], 'PX', tonumber(ARGV[1]) * 4)
return deadline
`;

/**
 * A multi-slot commit's state: {'c', buckets} decided, {'p', buckets} in flight, {'a', buckets} just
 * aborted here because its deadline passed, {'none', ''} finished or aborted. KEYS: X.
 */
export const TX_STATUS = `
${NOW_MS}
local d = redis.call('GET', KEYS[1])
if not d then return { 'none', '' } end
local state, deadline, info = string.match(d, '^(%a)|(%d*)|(.*)$')
if state == 'p' and now_ms() > tonumber(deadline) then
  redis.call('DEL', KEYS[1])
  return { 'a', info }
end
return { state, info }
`;

/** Location pointer: the existing value, or ARGV[1] after writing it. KEYS: pointer. */
export const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`;

/** {pending txids, GET of each further key}. KEYS: x, keys... */
export const READ = `
local out = { redis.call('HKEYS', KEYS[1]) }
for i = 2, #KEYS do out[i] = redis.call('GET', KEYS[i]) end
return out
`;

/** {pending, conversation id or nil, its record if it lives in this bucket}. KEYS: x, w:U. ARGV: bucket base. */
export const FIND_CONVERSATION = `
local id = redis.call('GET', KEYS[2])
if not id then return { redis.call('HKEYS', KEYS[1]), false, false } end
return { redis.call('HKEYS', KEYS[1]), id, redis.call('GET', ARGV[1] .. 'c:' .. id) }
`;

/**
 * {pending, raw turn record, transcript entries n+1..n+k} (the entries only for a compact record whose
 * transcript lives in this bucket; the caller checks their numbers). KEYS: x, r:dk. ARGV: bucket base.
 */
export const READ_TURN = `
local out = { redis.call('HKEYS', KEYS[1]), redis.call('GET', KEYS[2]) }
local raw = out[2]
if raw and string.sub(raw, 1, 1) == '#' then
  local rec = cjson.decode(string.sub(raw, 2))
  local from = tonumber(rec.n) + 1
  local list = redis.call('LRANGE', ARGV[1] .. 'm:' .. rec.conversationId, from, from + tonumber(rec.k) - 1)
  for _, e in ipairs(list) do out[#out + 1] = e end
end
return out
`;

/**
 * {pending, entries}: transcript entries from list position afterN+1 when the list looks dense (its last
 * entry is numbered len-1), else all of them; the caller filters and orders by n. KEYS: x, m:X. ARGV: afterN.
 */
export const READ_MESSAGES = `
local len = redis.call('LLEN', KEYS[2])
local from = 0
if len > 0 then
  local last = redis.call('LINDEX', KEYS[2], -1)
  if tonumber(string.match(last, '^(%-?%d+)|')) == len - 1 then from = math.max(0, tonumber(ARGV[1]) + 1) end
end
return { redis.call('HKEYS', KEYS[1]), redis.call('LRANGE', KEYS[2], from, -1) }
`;

/**
 * Index read: {pending, per zset {id, score, record-or-false, ...}}. KEYS: x, zsets... ARGV: asc|desc,
 * limit, record key prefix ('' = ids only).
 */
export const READ_INDEX = `
local out = { redis.call('HKEYS', KEYS[1]) }
local limit = tonumber(ARGV[2])
for i = 2, #KEYS do
  local r
  if ARGV[1] == 'asc' then r = redis.call('ZRANGE', KEYS[i], 0, limit - 1, 'WITHSCORES')
  else r = redis.call('ZREVRANGE', KEYS[i], 0, limit - 1, 'WITHSCORES') end
  local triples = {}
  for j = 1, #r, 2 do
    triples[#triples + 1] = r[j]
    triples[#triples + 1] = r[j + 1]
    if ARGV[3] ~= '' then triples[#triples + 1] = redis.call('GET', ARGV[3] .. r[j]) else triples[#triples + 1] = false end
  end
  out[#out + 1] = triples
end
return out
`;

/** {pending, ids, records}: effects due at ARGV[1] (ms), at most ARGV[2]. KEYS: x, E, e. */
export const DUE_EFFECTS = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local vals = {}
if #ids > 0 then vals = redis.call('HMGET', KEYS[3], unpack(ids)) end
return { redis.call('HKEYS', KEYS[1]), ids, vals }
`;

/** done: forget the effect; retry: attempts + 1, not before ARGV[3] (ISO) / ARGV[4] (ms). KEYS: e, E. ARGV: id, done|retry. */
export const SETTLE_EFFECT = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
if ARGV[2] == 'done' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
local attempts, rest = string.match(raw, '^(%d+)|[^|]*|(.*)$')
redis.call('HSET', KEYS[1], ARGV[1], (tonumber(attempts) + 1) .. '|' .. ARGV[3] .. '|' .. rest)
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1
`;

/** Drops a phone index entry set before version ARGV[2] (the customer has moved to another phone). KEYS: p:P. ARGV: customer id, version. */
export const UNINDEX_PHONE = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) < tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`;

export const SCRIPTS = {
  commit: COMMIT,
  settlePart: SETTLE_PART,
  txBegin: TX_BEGIN,
  txStatus: TX_STATUS,
  claim: CLAIM,
  read: READ,
  findConversation: FIND_CONVERSATION,
  readTurn: READ_TURN,
  readMessages: READ_MESSAGES,
  readIndex: READ_INDEX,
  dueEffects: DUE_EFFECTS,
  settleEffect: SETTLE_EFFECT,
  unindexPhone: UNINDEX_PHONE,
} as const;
export type ScriptName = keyof typeof SCRIPTS;
