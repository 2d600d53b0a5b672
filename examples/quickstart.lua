-- quickstart.lua: declare a model, bind it (the engine creates the table), save objects,
-- load one back, query a range, refuse a conditional save, delete, and drop the table.
-- Run by `scripts/demo` against the local server it starts (BLOOP_ENDPOINT); point it at
-- AWS by leaving BLOOP_ENDPOINT unset and setting AWS_REGION and credentials as usual.
local bloop = require("bloop")

local endpoint = os.getenv("BLOOP_ENDPOINT")
local engine = bloop.Engine(endpoint and {
  endpoint = endpoint,
  region = "us-east-1",
  -- local servers check no signature, but every request is signed
  credentials = { access_key_id = "local", secret_access_key = "local" },
  -- unique per run: a shared local server may still be deleting an earlier run's table
  table_name_template = "quickstart-" .. os.time() .. "-" .. math.random(1e6) .. "-{table_name}",
} or {})
-- the output leaves out what changes from run to run (the endpoint's port, the table name)
print("connected: " .. (endpoint and "the local server at $BLOOP_ENDPOINT" or "AWS"))

local Note = bloop.Model:extend("Note", { table_name = "notes" })
Note.user = bloop.Column(bloop.String, { hash_key = true })
Note.ts   = bloop.Column(bloop.Integer, { range_key = true })
Note.text = bloop.Column(bloop.String)
Note.tags = bloop.Column(bloop.Set(bloop.String))

engine:bind(Note)   -- creates the table and waits until it is ACTIVE
print("bound Note to its table")

for i = 1, 5 do
  engine:save(Note{ user = "ada", ts = 1700000000 + i, text = "note #" .. i,
                    tags = bloop.set{ "demo", "n" .. i } })
end
print("saved 5 notes")

local note = Note{ user = "ada", ts = 1700000003 }
engine:load(note, { consistent = true })
print("loaded: " .. note.text)

local recent = engine:query(Note, { key = Note.user:eq("ada") & Note.ts:ge(1700000002) }):all()
print("query: " .. #recent .. " notes")
for _, n in ipairs(recent) do print(("  %d  %s  %s"):format(n.ts, n.text, tostring(n.tags))) end

-- a save that must not overwrite: the condition fails, and the stored note is unchanged
local again = Note{ user = "ada", ts = 1700000003, text = "overwritten?" }
local ok, err = pcall(engine.save, engine, again, { condition = Note.text:is_(nil) })
print(("conditional save refused: %s"):format(not ok and err.name or "no"))

engine:delete(note)
print(("deleted note #3; %d left"):format(#engine:query(Note, { key = Note.user:eq("ada") }):all()))

-- drop the table through the engine's low-level client (one operation, no model needed)
engine.session.dynamodb_client:delete_table{ TableName = engine:table_name(Note) }
print("deleted the table")
