--[[
  One bounded slice of a rerun begun by rerun_request (rerunRequest.lua): resets and releases at most
  ARGV[2] steps, so that a rerun of 100,000 items never blocks Redis for long. The request keeps its
  status (failed, stopped, or completed for a rerun from a node) between slices (a late completion of a step not yet reset is kept as it would be before
  the rerun; one of a reset step is stale: its owner became 'r<generation>'); the last slice makes it
  run. The progress (field rerunning, JSON) is, in order:
    k..n  chunks of an interrupted resume's steps (resuming.<k>) to release again under this generation
    c     the HSCAN cursor over the state hash: failed and unfinished steps are reset (fields s|, t1|
          and e| go); start steps' entry lists (fields qe|) are noted in f
    e, o  the entry list f[e] from byte o: its entries without a status of their own are queued
    then  the held set, popped in slices; once empty the request runs (rerun_running).
  A reset step's owner becomes 'r<generation>' (jobs of older generations no longer start it); a step
  found twice (HSCAN may return a field twice, an entry may have been reset by status) is released once.
  The released steps are appended to the resuming chunks (append_resuming), which the caller reads and
  enqueues after the last slice.

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  KEYS[5] stream of emitted chunks
  ARGV[1] the rerun's generation   ARGV[2] steps or fields per slice   ARGV[3] events channel
  ARGV[4] event message

  Returns
    { 0, 0 }        a slice done, more to do
    { 0, 1 }        the rerun is done: the request runs under that generation
    { -2, status }  the request no longer reruns under that generation (another rerun took it over)
    { -1 }          no such request
]]
--- @keys 5
--- @replies OK INVALID_TRANSITION MISSING
--- @include ownerToken
--- @include storeResuming
--- @include rerunRunning
local st = redis.call('HMGET', KEYS[1], REQ.status, REQ.rerunning, REQ.generation)
if not st[1] then
  return { R.MISSING }
end
local generation = tonumber(ARGV[1])
-- The statuses a request reruns from (completed: a rerun from a node, rerunFrom.lua).
local ENDED = { failed = true, stopped = true, completed = true }
if not st[2] then
  if not ENDED[st[1]] and tonumber(st[3]) == generation then
    return { R.OK, 1 }
  end
  return { R.INVALID_TRANSITION, st[1] }
end
local p = cjson.decode(st[2])
if p.g ~= generation or not ENDED[st[1]] then
  return { R.INVALID_TRANSITION, st[1] }
end
local budget = tonumber(ARGV[2])
local owner = reset_owner(generation)
local RESET = { failed = true, queued = true, running = true, retrying = true, waiting = true }
local released = {}

-- Resets step (unless this rerun did already); `unstarted`: only if it has no status of its own.
local function reset(step, unstarted)
  local s = redis.call('HMGET', KEYS[1], F.status .. step, F.owner .. step)
  if s[2] == owner or (unstarted and s[1]) then
    return
  end
  if s[1] and RESET[s[1]] then
    redis.call('HDEL', KEYS[1], F.status .. step, F.finishedAt .. step, F.error .. step)
  end
  redis.call('HSET', KEYS[1], F.owner .. step, owner)
  released[#released + 1] = step
end

if p.k <= p.n then
  local field = REQ.resumingChunk .. p.k
  local stored = redis.call('HGET', KEYS[1], field)
  if stored then
    for step in pairs(cjson.decode(stored)) do
      reset(step, false)
    end
    redis.call('HDEL', KEYS[1], field)
  end
  p.k = p.k + 1
elseif p.c then
  local scanned = redis.call('HSCAN', KEYS[1], p.c, 'COUNT', budget)
  local fields = scanned[2]
  for i = 1, #fields, 2 do
    local field = fields[i]
    if string.sub(field, 1, #F.status) == F.status then
      if RESET[fields[i + 1]] then
        reset(string.sub(field, #F.status + 1), false)
      end
    elseif string.sub(field, 1, #F.entries) == F.entries then
      local known = false
      for _, seen in ipairs(p.f) do
        known = known or seen == field
      end
      if not known then
        p.f[#p.f + 1] = field
      end
    end
  end
  p.c = scanned[1] ~= '0' and scanned[1] or nil
elseif p.e <= #p.f then
  -- Entries are taken by byte offset: '","' only ever separates two entries of a JSON array of
  -- strings (a quote inside a string is escaped), so no slice decodes the whole list.
  local list = redis.call('HGET', KEYS[1], p.f[p.e]) or '[]'
  local from = p.o > 0 and p.o or 2
  local last, more = #list - 1, false
  if string.sub(list, from, from) == '"' then
    local at = from
    for _ = 1, budget do
      local sep = string.find(list, '","', at, true)
      if not sep then
        last, more = #list - 1, false
        break
      end
      last, more, at = sep, true, sep + 2
    end
    for _, entry in ipairs(cjson.decode('[' .. string.sub(list, from, last) .. ']')) do
      reset(entry, true)
    end
    p.o = more and at or 0
  end
  if not more then
    p.e, p.o = p.e + 1, 0
  end
else
  for _, step in ipairs(redis.call('SPOP', KEYS[4], budget)) do
    reset(step, false)
  end
  if redis.call('SCARD', KEYS[4]) == 0 then
    append_resuming(KEYS[1], released, generation)
    redis.call('HDEL', KEYS[1], REQ.rerunning)
    rerun_running(ARGV[3], ARGV[4])
    return { R.OK, 1 }
  end
end
append_resuming(KEYS[1], released, generation)
redis.call('HSET', KEYS[1], REQ.rerunning, cjson.encode(p))
return { R.OK, 0 }
