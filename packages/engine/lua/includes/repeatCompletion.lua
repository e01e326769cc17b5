--[[
  repeat_completion(K, A, S, path, owner): the reply to a completion of a step that had completed
  before (a repeat: a job delivered again, a batch retried): changes nothing and re-derives the same
  ready set as the first completion (see completeStep.lua), plus the ready successors that have started
  since (the caller enqueues only the others). `owner`: the token the step completed with.

  Returns { COMPLETED, ready, started, generation }: generation is the job-id generation the
  successors were released with (that of `owner`, '<generation>.<delivery>').
]]
--- @replies COMPLETED
--- @include ownerToken

local function repeat_completion(K, A, S, path, owner)
  local ready = {}
  if S.has_gate then
    local prefix = redis.call('HGET', K[1], F.nextItem .. path)
    if prefix then
      for i = S.gate + 4, S.gate + 3 + tonumber(A[S.gate + 3]) do
        ready[#ready + 1] = prefix .. A[i]
      end
    end
  end
  for i = S.succ_first, S.succ_last, 2 do
    local successor = A[i]
    local parents = A[i + 1]
    -- A repeat must not lose an 'e' successor whose add never happened: it is returned like any other,
    -- and the caller skips those that started.
    if parents == '1' or parents == 'e'
      or redis.call('HGET', K[1], F.releasedBy .. successor) == path then
      ready[#ready + 1] = successor
    end
  end
  if S.enqueued_json ~= '' then
    for _, successor in ipairs(cjson.decode(S.enqueued_json)) do
      ready[#ready + 1] = successor
    end
  end
  local started = {}
  for _, successor in ipairs(ready) do
    local state = redis.call('HGET', K[1], F.status .. successor)
    if state and state ~= 'queued' then
      started[#started + 1] = successor
    end
  end
  return { R.COMPLETED, ready, started, owner_generation(owner) }
end
