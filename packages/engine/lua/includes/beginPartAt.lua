--[[
  begin_part_at(A, at): where the join to begin is named in a step's own part starting at A[at].

  A step's own part (after its spec, see readSpec.lua):
    path; encoded output; start time, or '' (set for an implied begin, see impliedBegin.lua: its start is
    written with its completion, and its attempt count, 1, is implied by a completion without one);
    owner token of the attempt ('<generation>.<delivery>', see beginStep.lua), or '' for a repeat by a
    job whose beginNode found the step completed;
    m, then m pairs of extra state-hash fields to set on first completion (a start step's counters,
    a fallback's error);
    the join the caller runs next in its own job if this completion releases it, or '' (then no more
    arguments follow); else its owner token, f, and the f data fields holding its input: when this
    first completion releases that join while the request runs, the join begins here, exactly as
    beginNode would right after (see beginReleasedJoin.lua), and its begin reply comes with the
    completion's, saving the caller a round trip.
  Its layout and encoder are ownArgs in store/scripts/completion-args.ts; the fixed arguments (path to
  owner) are read by name at their offsets from there (A[at + CO.owner]), the lists from CO.head on.
]]
--- @replies none

local function begin_part_at(A, at)
  return at + CO.head + 1 + 2 * tonumber(A[at + CO.head])
end
