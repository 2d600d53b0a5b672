-- The `bloop` host reports an uncaught bloop error at the line of the user's script that
-- raised it (#integration: the error is a real ConditionalCheckFailed from the server).
local helpers = require("spec.helpers")

local repo = debug.getinfo(1, "S").source:match("^@(.*)/spec/integration/[^/]*$") or "."
if repo:sub(1, 1) ~= "/" then
  repo = assert(io.popen("pwd")):read("l") .. "/" .. repo
end
local BIN = os.getenv("BLOOP_BIN") or (repo .. "/build/bin/bloop")

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

describe("bloop host, a refused save", function()
  it("prints file:line of the script's save before the error", function()
    local dir = assert(io.popen("mktemp -d")):read("l")
    local f = assert(io.open(dir .. "/refused.lua", "wb"))
    f:write(table.concat({
      "local User = bloop.Model:extend('User', { table_name = os.getenv('TABLE') })",
      "User.email = bloop.Column(bloop.String, { hash_key = true })",
      "User.age = bloop.Column(bloop.Integer)",
      "local engine = bloop.Engine{ endpoint = os.getenv('ENDPOINT'), region = 'us-east-1',",
      "  credentials = { access_key_id = 'AKIDLOCAL', secret_access_key = 'x' } }",
      "engine:bind(User)",
      "local u = User{ email = 'a@x', age = 1 }",
      "engine:save(u)",
      "engine:save(u, { condition = User.email:is_(nil) })",
      "",
    }, "\n"))
    f:close()
    local cmd = ("cd %s && TABLE=%s ENDPOINT=%s %s refused.lua 2>&1; echo \"rc=$?\""):format(
      q(dir), q(helpers.table_name("hosterr")), q(helpers.endpoint(helpers.backend())), q(BIN))
    local out = assert(io.popen(cmd)):read("a")
    os.execute("rm -rf " .. q(dir))
    assert.matches("^bloop: refused%.lua:9: ConstraintViolation: ConditionalCheckFailed", out)
    assert.matches("\nrc=1\n$", out)
    assert.not_matches("stack traceback", out)
  end)
end)
