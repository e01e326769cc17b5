--[[
  Delivers a signal's payload to a signal node, once per node and request: it is stored in data field
  sg|<path> whether or not the node was reached (an early signal is used when it is, see parkStep.lua),
  and it is kept by a rerun. A node found 'waiting' (parked) must be woken: the caller enqueues its wake
  job under the request's current generation, and that job completes the node with the payload through
  beginNode and completeStep, fenced like any attempt.

  KEYS[1] state hash   KEYS[2] data hash
  ARGV[1] step path    ARGV[2] encoded payload
  ARGV[3] an event's delivery (emitEvent.lua): the owner token of the attempt that registered the step
          in the event index; '' (or absent) for a signal. An event is delivered only to that attempt's
          step while it runs or waits and its request is running or paused: a rerun (which resets the
          owner), a stop or an attempt that lost the step since makes it a no-op ({ 3 }).

  A woken node's timeout (a delayed wake job of the generation of the attempt that parked it, see
  wait-step.ts) has nothing left to do: the caller removes it, so that it does not sit in the queue's
  delayed set until it fires (where it would find the node taken and do nothing).

  Returns
    { 0, wake, generation, parked }   stored; wake is 1 when the node waits and must be woken, parked
                                      the job-id generation of the attempt that parked it
    { 5 }                     the node has a signal already, or completed: nothing changed
    { 3 }                     an event for an attempt that no longer waits: nothing changed
    { -1 }                    no such request
]]
--- @keys 2
--- @replies OK DUPLICATE STALE MISSING
--- @include ownerToken
local path = ARGV[1]
local st = redis.call('HMGET', KEYS[1], REQ.status, F.status .. path, REQ.generation,
  F.owner .. path)
if not st[1] then
  return { R.MISSING }
end
local owner = ARGV[3] or ''
if owner ~= '' and (st[4] ~= owner or (st[1] ~= 'running' and st[1] ~= 'paused')
    or (st[2] ~= 'running' and st[2] ~= 'waiting')) then
  return { R.STALE }
end
if st[2] == 'completed' or redis.call('HSETNX', KEYS[2], F.signal .. path, ARGV[2]) == 0 then
  return { R.DUPLICATE }
end
return { R.OK, st[2] == 'waiting' and 1 or 0, tonumber(st[3] or '0'), owner_generation(st[4]) }
