--[[
  read_own(A, at): a step's own part of a completion, starting at A[at] (after its spec, see
  readSpec.lua), by name. Its layout and encoder are ownArgs in store/scripts/completion-args.ts: the
  fixed arguments are read at their offsets from there (CO.path, ...), then the counted lists follow:
    path; encoded output; start time, or '' (set for a step begun without beginNode: its t0 is written
    with its completion, and its attempt count, 1, is implied by a completion without one);
    owner token of the attempt ('<generation>.<delivery>', see beginStep.lua), or '' for a repeat by a
    job whose beginNode found the step completed;
    m, then m pairs of extra state-hash fields to set on first completion (a start step's counters,
    a fallback's error): A[fields_first..fields_last];
    the join the caller runs next in its own job if this completion releases it, or '' (then no more
    arguments follow); else its owner token, f, and the f data fields holding its input
    (A[join_fields_first..join_fields_last]): when this first completion releases that join while the
    request runs, the join begins here, exactly as beginNode would right after (see
    beginReleasedJoin.lua), and its begin reply comes with the completion's, saving a round trip.
  `next` is where the next argument after the part is: the next step's own part in completeNodes, or
  #A + 1 after the last.
]]
--- @replies none

local function read_own(A, at)
  local join_at = at + CO.head + 1 + 2 * tonumber(A[at + CO.head])
  local O = {
    path = A[at + CO.path],
    output = A[at + CO.output],
    started_at = A[at + CO.startedAt],
    owner = A[at + CO.owner],
    fields_first = at + CO.head + 1,
    fields_last = join_at - 1,
    join = A[join_at],
    next = join_at + 1,
  }
  if O.join ~= '' then
    O.join_owner = A[join_at + 1]
    O.join_fields_first = join_at + 3
    O.join_fields_last = join_at + 2 + tonumber(A[join_at + 2])
    O.next = O.join_fields_last + 1
  end
  return O
end
