--[[
  fair_dispatch(k, min, max, now): the fair scheduler's choice (`fairness`, see queue/fair-queues.ts).
  `k` holds the partition's keys (active, pending, jobs, running, counts, weights, meta; keys.ts
  FairKeys). While fewer nodes than the window (meta field window) are in flight, it picks a key: the
  first key, by pass, with fewer than `min` nodes in flight, else the first with fewer than `max` (0: no
  cap); takes the key's head pending node (lowest priority number, then arrival), records it in flight
  and advances the key's pass by 1 / weight (stride scheduling). A key whose pending nodes are all
  taken leaves the active set (and its weight goes); the virtual time (meta field vt) follows the
  passes served, and a key that becomes active starts at it. Returns the descriptors of the nodes taken,
  for the caller to add to BullMQ.

  fair_member(key, priority, seq, id) is a pending node's member; fair_expire(k, ttl) renews the TTL of
  every key of the scheduler.
]]
--- @replies none

local function fair_prefix(key)
  return #key .. ':' .. key .. '|'
end

local function fair_member(key, priority, seq, id)
  return fair_prefix(key) .. string.format('%07d|%016d|', priority, seq) .. id
end

local function fair_head(k, key)
  local prefix = fair_prefix(key)
  return redis.call('ZRANGEBYLEX', k.pending, '[' .. prefix, '[' .. prefix .. '\255', 'LIMIT', 0, 1)[1],
    #prefix
end

local function fair_pick(k, min, max)
  local chosen, chosen_pass
  local start = 0
  while true do
    local page = redis.call('ZRANGE', k.active, start, start + 99, 'WITHSCORES')
    if #page == 0 then
      break
    end
    for i = 1, #page, 2 do
      local key = page[i]
      local n = tonumber(redis.call('HGET', k.counts, key) or '0')
      if n < min then
        return key, tonumber(page[i + 1])
      end
      if not chosen and (max == 0 or n < max) then
        chosen, chosen_pass = key, tonumber(page[i + 1])
        if min == 0 then
          return chosen, chosen_pass
        end
      end
    end
    start = start + 100
  end
  return chosen, chosen_pass
end

local function fair_dispatch(k, min, max, now)
  local window = tonumber(redis.call('HGET', k.meta, 'window') or '0')
  local inflight = redis.call('HLEN', k.running)
  local out = {}
  while inflight < window do
    local key, pass = fair_pick(k, min, max)
    if not key then
      break
    end
    local member, skip = fair_head(k, key)
    if member then
      redis.call('ZREM', k.pending, member)
      local id = string.sub(member, skip + 26)
      redis.call('HSET', k.running, id, now .. ' ' .. key)
      redis.call('HINCRBY', k.counts, key, 1)
      inflight = inflight + 1
      local descriptor = redis.call('HGET', k.jobs, id)
      if descriptor then
        out[#out + 1] = descriptor
      end
      local vt = tonumber(redis.call('HGET', k.meta, 'vt') or '0')
      if pass > vt then
        redis.call('HSET', k.meta, 'vt', string.format('%.17g', pass))
      end
    end
    if member and fair_head(k, key) then
      local weight = tonumber(redis.call('HGET', k.weights, key) or '1')
      redis.call('ZADD', k.active, string.format('%.17g', pass + 1 / weight), key)
    else
      redis.call('ZREM', k.active, key)
      redis.call('HDEL', k.weights, key)
    end
  end
  return out
end

local function fair_expire(k, ttl)
  for _, key in pairs(k) do
    redis.call('PEXPIRE', key, ttl)
  end
end
