-- check: skip (needs arguments and runs until stopped; tested by spec/integration/replication_spec.lua)
-- replicate.lua: Python bloop's Cross-Region Replication as a tool that runs until stopped:
-- every change to the table in one region is replayed into the same table in another, from
-- the source's stream (bloop.patterns.replication). It resumes from its checkpoint file, so
-- it can be killed (even with SIGKILL) and started again; SIGINT (Ctrl-C) or SIGTERM stops
-- it cleanly: the current record finishes, the checkpoint is written, it exits 0.
-- Progress lines go to stderr (every 1000 records or 10 s while records flow).
--
--   bloop examples/replicate.lua --from us-west-2 --to us-east-1 --checkpoint FILE
--                                [--table NAME] [--position trim_horizon|latest]
--
-- Streams need a server that has them: moto (one database per region), not dynalite.
-- Run: scripts/servers start moto; set -a; . .local/servers/env; set +a
--      BLOOP_ENDPOINT=$BLOOP_MOTO_ENDPOINT build/bin/bloop examples/replicate.lua \
--        --from us-west-2 --to us-east-1 --checkpoint /tmp/replicated.token
-- (without BLOOP_ENDPOINT it talks to AWS with the usual credentials)
local bloop = require("bloop")
local replication = require("bloop.patterns.replication")

local function usage(msg)
  io.stderr:write(("replicate: %s\nusage: bloop examples/replicate.lua --from REGION --to REGION "
    .. "--checkpoint FILE [--table NAME] [--position trim_horizon|latest]\n"):format(msg))
  os.exit(2)
end

local opts = { table = "replicated", position = "trim_horizon" }
local args = { ... }
local i = 1
while i <= #args do
  local flag, value = args[i]:match("^%-%-(%w+)$"), args[i + 1]
  if not flag or opts[flag] == nil and flag ~= "from" and flag ~= "to" and flag ~= "checkpoint" then
    usage("unknown argument " .. args[i])
  end
  if value == nil then usage(args[i] .. " needs a value") end
  opts[flag] = value
  i = i + 2
end
if not (opts.from and opts.to and opts.checkpoint) then
  usage("--from, --to and --checkpoint are required")
end

local endpoint = os.getenv("BLOOP_ENDPOINT")
local function engine_for_region(region)
  if not endpoint then return bloop.Engine{ region = region } end
  local creds = { access_key_id = "local", secret_access_key = "local" }
  return bloop.Engine{ endpoint = endpoint, region = region, credentials = creds }
end
local src, dst = engine_for_region(opts.from), engine_for_region(opts.to)

local MyModel = bloop.Model:extend("MyModel", {
  table_name = opts.table,
  stream = { include = { "new", "old" } },
})
MyModel.id = bloop.Column(bloop.String, { hash_key = true })
MyModel.data = bloop.Column(bloop.String)
MyModel.note = bloop.Column(bloop.String)
MyModel.n = bloop.Column(bloop.Integer)
MyModel.tags = bloop.Column(bloop.Set(bloop.String))
src:bind(MyModel)   -- creates the table (with its stream) in each region when missing
dst:bind(MyModel)

local applied = replication.replicate{
  source = src, target = dst, model = MyModel,
  checkpoint = opts.checkpoint,
  position = opts.position,
}
print(("replicated %d records of %s from %s to %s (stopped by %s); checkpoint %s")
  :format(applied, opts.table, opts.from, opts.to, bloop.interrupted() or "stop", opts.checkpoint))
