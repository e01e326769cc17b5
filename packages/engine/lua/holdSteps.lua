--[[
  Holds steps whose waiting jobs a pause or stop took off the queue, for resume or rerun to enqueue
  again; unless the request is running again by now (a resume came first), in which case nothing is
  held and the steps are returned for the caller to enqueue at once. A step that began or ended under
  another job meanwhile is neither held nor returned: the removed job was a duplicate, and holding it
  would make a resume start the step a second time.

  KEYS[1] state hash   KEYS[2] held set
  ARGV[1..] the steps

  Returns the steps to enqueue now (empty when they were held, or the request no longer exists).
]]
--- @keys 2
--- @replies none
--- @include holdSet
local status = redis.call('HGET', KEYS[1], REQ.status)
if not status or status == 'completed' then
  return {}
end
local waiting = {}
for _, step in ipairs(ARGV) do
  local own = redis.call('HGET', KEYS[1], F.status .. step)
  if not own or own == 'queued' then
    waiting[#waiting + 1] = step
  end
end
if status == 'pending' or status == 'running' or #waiting == 0 then
  return waiting
end
hold(KEYS[1], KEYS[2], waiting)
return {}
