--[[
  A completed step's record (field F.done, format/layout.ts; its reader in TS is format/step-record.ts):
  '<started>,<took>,<owner>' (start ms, finish minus start in ms, owner token), or ',<finished>,<owner>'
  when the start is unknown; written by its completion in place of its fields F.startedAt, F.finishedAt
  and F.owner (completeStep.lua deletes those), so that a finished request keeps two fields per step
  (F.status stays) instead of four. The owner comes last, since a token may hold any character; the
  finish as a duration saves a dozen bytes a step. A step completed by an earlier version has no
  record, and keeps the three fields.

  step_record(started, finished, owner): the record's value (`started` false or '' when unknown; both
  times in ms, as strings).
  step_owner(status, owner, record): the owner token of a step with status `status`: its F.owner value
  `owner` (an HMGET's false when absent), else, once it completed, the owner in its record `record`;
  false when it has neither. The record counts only with status completed (a migration by an earlier
  version may leave one behind a dropped step).

  Of the checks of a step's owner, only fence_completion meets a completed step's (a completion by
  another attempt than its owner is stale, the owner's a repeat): it reads both fields and takes the
  owner here. The others answer a completed step before they look at its owner, or whatever it is:
  beginStep, failNode, markRunning, appendChunks and releaseStream test the status first; parkStep
  and an event's deliverSignal refuse any step that neither runs nor waits (parkStep's reply names the
  owner, which no caller reads).
]]
--- @replies none

local function step_record(started, finished, owner)
  if not started or started == '' then
    return ',' .. finished .. ',' .. owner
  end
  return started .. ',' .. (tonumber(finished) - tonumber(started)) .. ',' .. owner
end

local function step_owner(status, owner, record)
  if owner or status ~= 'completed' or not record then
    return owner
  end
  return string.match(record, '^[^,]*,[^,]*,(.*)$') or false
end
