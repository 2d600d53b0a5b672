-- bloop.patterns.replication: Python bloop's Cross-Region Replication, as a tool that runs for
-- weeks: every change to a model's table in one region is replayed into the same table in
-- another, from the source table's stream.
--
--   local replication = require("bloop.patterns.replication")
--   local applied = replication.replicate{
--     source = src, target = dst, model = MyModel,  -- MyModel bound to both engines
--     checkpoint = "/var/lib/app/mymodel.token",    -- resume token (JSON), optional
--     position = "trim_horizon",                    -- or "latest": only when no checkpoint
--     idle = 0.2,                                   -- seconds to sleep when nothing is new
--     heartbeat_every = 600,                        -- seconds between heartbeats when idle
--     stop = function() return false end,           -- optional, checked between records
--     progress = true,                              -- see "Progress" below
--   }
--
-- Applying: a record with a new image saves it through `target` (the image is a whole
-- item, so every column it lacks is REMOVEd: attribute removals replicate), a record
-- without one deletes its key. Both are idempotent, so replaying a record is harmless.
--
-- At-least-once: the checkpoint is the stream's token, written only between records, after
-- the record it passes has been applied. It is written atomically (core.write_file_atomic:
-- a temporary file, fsync, rename, fsync of the directory) at most once a second while
-- records flow (the first record applied after a second has passed since the last write
-- triggers one), whenever the stream runs dry with something unwritten, and on every stop.
-- A restart after SIGKILL resumes from it and re-applies at most the records of the last
-- second. If applying a record raises, the checkpoint is left where it was (before that
-- record) and the error propagates.
--
-- Stopping: between records, `replicate` stops when `stop()` returns true or when the
-- process got SIGINT or SIGTERM (bloop.interrupted(); `replicate` catches both while it
-- runs, through the `bloop` host, and restores what was there before on return). The
-- record being applied finishes, the checkpoint is written and `replicate` returns the
-- number of records it applied. A second signal is not caught: it ends the process.
--
-- Progress: with progress = true (the default, whether or not stderr is a terminal) a line
--   replicate: applied 1200 (+200) records, lag 0.8s
-- goes to stderr when at least `records` (1000) records were applied since the last line
-- or `seconds` (10) passed with at least one applied; lag is the time since the last
-- applied record's creation at the source, 0 once the stream has run dry (caught up). A
-- final line "replicate: stopped (<why>) after applying N records" ends the run.
-- progress = { records = N, seconds = S } changes the rule; progress = false is silent;
-- progress = function(stats) receives { applied, lag, stopped = why|nil } instead.
local bloop = require("bloop")
local cjson = require("cjson")
local core = require("bloop.core")

local M = {}

local function check(cond, msg)
  if not cond then bloop.errors.argerror(1, "replicate: " .. msg) end
end

-- The checkpoint's token, or nil when there is no checkpoint file yet.
local function read_checkpoint(path)
  local f = io.open(path, "r")
  local text = f and f:read("a")
  if f then f:close() end
  if text == nil or text == "" then return nil end
  local ok, token = pcall(cjson.decode, text)
  if not ok or type(token) ~= "table" then
    error(("replicate: checkpoint %s is not a stream token (JSON object)"):format(path), 0)
  end
  return token
end

local function write_checkpoint(path, stream)
  local ok, err = core.write_file_atomic(path, cjson.encode(stream.token) .. "\n")
  if not ok then error("replicate: cannot write the checkpoint: " .. err, 0) end
end

-- The progress reporter: a function(stats, force) printing (or handing over) a line when
-- the rule says so.
local function reporter(progress)
  if progress == false then return function() end end
  local every_records, every_seconds, sink = 1000, 10, nil
  if type(progress) == "table" then
    every_records = progress.records or every_records
    every_seconds = progress.seconds or every_seconds
  elseif type(progress) == "function" then
    sink = progress
  end
  local last_applied, last_time = 0, core.monotonic()
  return function(stats, force)
    local new = stats.applied - last_applied
    local now = core.monotonic()
    if not force and not (new >= every_records or (new > 0 and now - last_time >= every_seconds)) then
      return
    end
    last_applied, last_time = stats.applied, now
    if sink then
      sink(stats)
    elseif stats.stopped then
      io.stderr:write(("replicate: stopped (%s) after applying %d records\n")
        :format(stats.stopped, stats.applied))
    else
      io.stderr:write(("replicate: applied %d (+%d) records, lag %.1fs\n")
        :format(stats.applied, new, stats.lag))
    end
    io.stderr:flush()
  end
end

local function run(o)
  local token = o.checkpoint and read_checkpoint(o.checkpoint)
  local stream = o.source:stream(o.model, token or o.position)
  local report = reporter(o.progress)
  local stats = { applied = 0, lag = 0 }
  local dirty, last_write, last_beat = false, core.monotonic(), core.monotonic()
  local function save()
    if o.checkpoint then write_checkpoint(o.checkpoint, stream) end
    dirty, last_write = false, core.monotonic()
  end
  if o.checkpoint and not token then save() end  -- a first life killed early resumes here
  while true do
    local why = (o.stop and o.stop() and "stop") or bloop.interrupted()
    if why then
      save()
      stats.stopped = why
      report(stats, true)
      return stats.applied
    end
    local record = stream:next()
    if record then
      if record.new then
        o.target:save(record.new)
      else
        o.target:delete(record.old or record.key)   -- KEYS_ONLY / NEW_IMAGE: no old image
      end
      stats.applied = stats.applied + 1
      stats.lag = math.max(0, bloop.datetime.now():timestamp()
        - record.meta.created_at:timestamp())
      dirty = true
      if core.monotonic() - last_write >= 1 then save() end
      report(stats)
    else
      stats.lag = 0
      if dirty then save() end
      report(stats)
      if core.monotonic() - last_beat >= o.heartbeat_every then
        stream:heartbeat()
        last_beat = core.monotonic()
      end
      if not bloop.interrupted() then core.sleep(o.idle) end
    end
  end
end

-- replicate{ source, target, model, checkpoint?, position?, idle?, heartbeat_every?, stop?,
-- progress? } -> the number of records applied (see the top of this file).
function M.replicate(opts)
  check(type(opts) == "table", "options table expected")
  check(opts.source ~= nil and opts.target ~= nil, "source and target engines are required")
  check(opts.model ~= nil, "a model is required")
  check(opts.checkpoint == nil or type(opts.checkpoint) == "string",
    "checkpoint must be a file path")
  local o = {
    source = opts.source, target = opts.target, model = opts.model,
    checkpoint = opts.checkpoint, stop = opts.stop, progress = opts.progress,
    position = opts.position or "trim_horizon",
    idle = opts.idle or 0.2,
    heartbeat_every = opts.heartbeat_every or 600,
  }
  check(o.position == "trim_horizon" or o.position == "latest",
    'position must be "trim_horizon" or "latest"')
  check(type(o.idle) == "number" and o.idle > 0, "idle must be a positive number of seconds")
  check(type(o.heartbeat_every) == "number" and o.heartbeat_every > 0,
    "heartbeat_every must be a positive number of seconds")
  check(o.stop == nil or type(o.stop) == "function", "stop must be a function")
  local was_catching = bloop.catch_interrupts(true)
  local ok, result = pcall(run, o)
  bloop.catch_interrupts(was_catching)
  if not ok then error(result, 0) end
  return result
end

return M
