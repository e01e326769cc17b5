--[[
  Completes a node: stores its output, marks it completed, counts down the open parents of its successors
  and returns those that became ready. When the last terminal node completes, the request completes, its
  keys get their retention TTL and the completion is published.

  Idempotent: run again for a completed node it changes nothing and returns the same ready set, plus the
  ready successors that have started since (the caller enqueues only the others).

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash
  ARGV[1] node path    ARGV[2] now (ms)    ARGV[3] encoded output
  ARGV[4] terminal count of the flow, or 0 when this node is not terminal
  ARGV[5] retention of a completed request (ms)   ARGV[6] events channel   ARGV[7] event message
  ARGV[8..] pairs: successor path, number of its parents

  Returns
    { 0, ready }            completed now; ready = successor paths to enqueue
    { 1, ready, started }   had completed before; started = ready successors that already began
    { 2, status }           the request is not running; the output is kept, nothing is released
    { -1 }                  no such request
]]
local path = ARGV[1]
local now = ARGV[2]
local st = redis.call('HMGET', KEYS[1], 'status', 's|' .. path)
local status = st[1]
if not status then
  return { -1 }
end

local ready = {}
if st[2] == 'completed' then
  for i = 8, #ARGV, 2 do
    local successor = ARGV[i]
    if ARGV[i + 1] == '1' or redis.call('HGET', KEYS[1], 'r|' .. successor) == path then
      ready[#ready + 1] = successor
    end
  end
  local started = {}
  for _, successor in ipairs(ready) do
    if redis.call('HEXISTS', KEYS[1], 's|' .. successor) == 1 then
      started[#started + 1] = successor
    end
  end
  return { 1, ready, started }
end

redis.call('HSET', KEYS[2], 'o|' .. path, ARGV[3])
local fields = { 's|' .. path, 'completed', 't1|' .. path, now }
if status ~= 'pending' and status ~= 'running' then
  redis.call('HSET', KEYS[1], unpack(fields))
  return { 2, status }
end

for i = 8, #ARGV, 2 do
  local successor = ARGV[i]
  local parents = tonumber(ARGV[i + 1])
  if parents == 1 then
    ready[#ready + 1] = successor
  elseif redis.call('HINCRBY', KEYS[1], 'j|' .. successor, 1) == parents then
    ready[#ready + 1] = successor
    fields[#fields + 1] = 'r|' .. successor
    fields[#fields + 1] = path
  end
end

local completed = false
local terminals = tonumber(ARGV[4])
if terminals > 0 then
  local done = 1
  if terminals > 1 then
    done = redis.call('HINCRBY', KEYS[1], 'terminalsDone', 1)
  end
  if done == terminals then
    completed = true
    fields[#fields + 1] = 'status'
    fields[#fields + 1] = 'completed'
    fields[#fields + 1] = 'finishedAt'
    fields[#fields + 1] = now
  end
end
redis.call('HSET', KEYS[1], unpack(fields))

if completed then
  for i = 1, 3 do
    redis.call('PEXPIRE', KEYS[i], ARGV[5])
  end
  redis.call('PUBLISH', ARGV[6], ARGV[7])
end
return { 0, ready }
