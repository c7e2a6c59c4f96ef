// The Lua scripts of the Redis LimitStore: one atomic script per operation, time from Redis's own
// clock (TIME) so every replica shares one clock. Effects replication (the default since Redis 5)
// makes TIME safe inside a write script. All keys of one call are passed in KEYS (Cluster-safe when
// they share a {hash tag}).

/**
 * KEYS: bucket hashes {tokens, ts}. ARGV[1] = amount; then per bucket: capacity, refill per ms.
 * Charges every bucket or none. Returns {allowed, then per bucket: remaining, resetMs, retryAfterMs}.
 */
export const reserveTokensScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local amount = tonumber(ARGV[1])
local levels = {}
local allowed = 1
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local stored = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local tokens = tonumber(stored[1])
  local level = capacity
  if tokens ~= nil then
    level = math.min(capacity, tokens + math.max(0, now - tonumber(stored[2])) * rate)
  end
  levels[i] = level
  if level < amount then allowed = 0 end
end
local out = {allowed}
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local level = levels[i]
  local retry = 0
  if allowed == 1 then
    level = level - amount
    redis.call('HSET', KEYS[i], 'tokens', level, 'ts', now)
    redis.call('PEXPIRE', KEYS[i], math.ceil((capacity - level) / rate) + 1000)
  elseif level < amount then
    if amount > capacity then retry = -1 else retry = math.ceil((amount - level) / rate) end
  end
  out[#out + 1] = math.floor(level)
  out[#out + 1] = math.max(0, math.ceil((capacity - level) / rate))
  out[#out + 1] = retry
end
return out
`;

/**
 * KEYS: bucket hashes. ARGV[1] = delta (> 0 charge, may go negative; < 0 refund, capped at capacity);
 * then per bucket: capacity, refill per ms.
 */
export const adjustTokensScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local delta = tonumber(ARGV[1])
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local stored = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local tokens = tonumber(stored[1])
  local level = capacity
  if tokens ~= nil then
    level = math.min(capacity, tokens + math.max(0, now - tonumber(stored[2])) * rate)
  end
  level = level - delta
  if delta < 0 then level = math.min(capacity, level) end
  redis.call('HSET', KEYS[i], 'tokens', level, 'ts', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil((capacity - level) / rate) + 1000)
end
return 1
`;

// Shared prologue of the spend scripts: the counter hash {day, spent, held, alerted} starts over
// when the UTC day (by Redis's clock) changes.
const spendPrologue = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dayMs = 86400000
local day = math.floor(now / dayMs)
local stored = redis.call('HMGET', KEYS[1], 'day', 'spent', 'held', 'alerted')
local fresh = tonumber(stored[1]) ~= day
local spent, held, alerted = 0, 0, 0
if not fresh then
  spent = tonumber(stored[2]) or 0
  held = tonumber(stored[3]) or 0
  alerted = tonumber(stored[4]) or 0
end
local resetMs = (day + 1) * dayMs - now
`;

/**
 * KEYS[1]: counter hash. ARGV: amount, limit, enforce (1/0) — integers in nano-USD.
 * Returns {allowed, spent, held, resetMs}.
 */
export const holdSpendScript = `${spendPrologue}
local amount = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if ARGV[3] == '1' and spent + held + amount > limit then
  return {0, spent, held, resetMs}
end
held = held + amount
redis.call('HSET', KEYS[1], 'day', day, 'spent', spent, 'held', held, 'alerted', alerted)
redis.call('PEXPIREAT', KEYS[1], (day + 2) * dayMs)
return {1, spent, held, resetMs}
`;

/**
 * KEYS[1]: counter hash. ARGV: heldAmount, actual, limit, then thresholds in per mille (ascending).
 * A hold from a previous day vanished with that day's counter, so it is not released twice.
 * Returns {spent, resetMs, crossed thresholds…}; each threshold is reported once per day.
 */
export const settleSpendScript = `${spendPrologue}
if not fresh then held = math.max(0, held - tonumber(ARGV[1])) end
spent = spent + tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local out = {spent, resetMs}
local highest = alerted
for i = 4, #ARGV do
  local perMille = tonumber(ARGV[i])
  if perMille > alerted and spent * 1000 >= limit * perMille then
    out[#out + 1] = perMille
    if perMille > highest then highest = perMille end
  end
end
redis.call('HSET', KEYS[1], 'day', day, 'spent', spent, 'held', held, 'alerted', highest)
redis.call('PEXPIREAT', KEYS[1], (day + 2) * dayMs)
return out
`;
