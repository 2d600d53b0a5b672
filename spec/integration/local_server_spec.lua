-- local_server_spec.lua: `bloop local start|status|env|stop` and the endpoint fallback to
-- a running `bloop local` server, with the built host ($BLOOP_BIN) and a temporary
-- XDG_STATE_HOME / XDG_DATA_HOME. dynalite comes from the repo's scripts/dynalite
-- (BLOOP_LOCAL_DYNALITE_DIR), so no npm run is needed; moto is the machine's python3 one.
local repo = debug.getinfo(1, "S").source:match("^@(.*)/spec/integration/[^/]*$") or "."
if repo:sub(1, 1) ~= "/" then repo = assert(io.popen("pwd")):read("l") .. "/" .. repo end
local BIN = os.getenv("BLOOP_BIN") or (repo .. "/build/bin/bloop")
local read = require("spec.helpers").read_file

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function sh_out(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  p:close()
  return out
end

local tmp = sh_out("mktemp -d"):match("[^\n]+")

-- Runs a shell command line in a clean environment (no endpoint, no keys) with the temp
-- XDG dirs; $B is the host. Returns stdout, stderr, exit code.
local function run(line, extra)
  local errfile = tmp .. "/stderr"
  local full = ("env -u BLOOP_ENDPOINT -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_DYNAMODB "
    .. "-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_PROFILE "
    .. "XDG_STATE_HOME=%s XDG_DATA_HOME=%s BLOOP_LOCAL_DYNALITE_DIR=%s B=%s %s sh -c %s 2>%s")
    :format(q(tmp .. "/state"), q(tmp .. "/data"), q(repo .. "/scripts/dynalite"), q(BIN),
      extra or "", q(line), q(errfile))
  local p = assert(io.popen(full))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, read(errfile) or "", code
end

local state_file = tmp .. "/state/bloop/local.state"

local function recorded_pid()
  return tonumber((read(state_file) or ""):match("pid=(%d+)"))
end

-- true while pid runs (a zombie left for init to reap has stopped running)
local function running(pid)
  local stat = read("/proc/" .. pid .. "/stat")
  return stat ~= nil and stat:match("^%d+ %b() (%a)") ~= "Z"
end

local function free_port()
  return tonumber(sh_out([[python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])']]))
end

describe("bloop local #dynalite_only", function()
  teardown(function() run('"$B" local stop') end)

  it("reports not running (exit 3) before start", function()
    local out, _, code = run('"$B" local status')
    assert.are.equal(3, code)
    assert.matches("not running", out)
    local _, err, code2 = run('"$B" local env')
    assert.are.equal(3, code2)
    assert.matches("bloop local start", err)
  end)

  it("starts dynalite on 127.0.0.1, answering, and records it", function()
    local out, err, code = run('"$B" local start')
    assert.are.equal(0, code, err)
    local endpoint = out:match("running on (http://127%.0%.0%.1:%d+)")
    assert.is_not_nil(endpoint, out)
    assert.matches("endpoint=" .. endpoint:gsub("%p", "%%%0"), read(state_file))
    local status, _, rc = run('"$B" local status')
    assert.are.equal(0, rc)
    assert.matches("dynalite: running on " .. endpoint:gsub("%p", "%%%0"), status)
    -- a second start leaves the running one alone
    local again, _, rc2 = run('"$B" local start')
    assert.are.equal(0, rc2)
    assert.matches("already running", again)
  end)

  it("prints env lines a shell can eval", function()
    local out, err, code = run([[eval "$("$B" local env)" && "$B" -e '
      local c = require("bloop").client("dynamodb", { endpoint = os.getenv("BLOOP_ENDPOINT") })
      print(type(c:list_tables{}.TableNames), os.getenv("AWS_REGION"))']])
    assert.are.equal(0, code, err)
    assert.are.equal("table\tus-east-1\n", out)
  end)

  it("is where Engine{} and bloop.client go when nothing is configured, said once", function()
    local out, err, code = run([["$B" -e '
      local bloop = require("bloop")
      local e = bloop.Engine{}
      print(e.session.dynamodb_client:endpoint())
      print(type(bloop.client("dynamodb"):list_tables{}.TableNames))
      print(bloop.client("dynamodbstreams"):endpoint())']])
    assert.are.equal(0, code, err)
    local endpoint = read(state_file):match("endpoint=([^\n]+)")
    assert.are.equal(endpoint .. "\ntable\n" .. endpoint .. "\n", out)
    local _, notices = err:gsub("no endpoint configured; using the local dynalite server at "
      .. endpoint:gsub("%p", "%%%0") .. " %(bloop local%)", "")
    assert.are.equal(1, notices, err)
  end)

  it("never overrides an endpoint given as an option, in BLOOP_ENDPOINT or AWS_ENDPOINT_URL",
    function()
    local script = [["$B" -e 'print(require("bloop").client("dynamodb",
      { region = "us-east-1", credentials = { access_key_id = "a", secret_access_key = "b" },
        endpoint = os.getenv("OPT") }):endpoint())']]
    local out, err = run(script, "OPT=http://127.0.0.1:9")
    assert.are.equal("http://127.0.0.1:9\n", out)
    assert.are.equal("", err)
    out, err = run(script, "BLOOP_ENDPOINT=http://127.0.0.1:10")
    assert.are.equal("http://127.0.0.1:10\n", out)
    assert.are.equal("", err)
    out, err = run(script, "AWS_ENDPOINT_URL=http://127.0.0.1:11")
    assert.are.equal("http://127.0.0.1:11\n", out)
    assert.are.equal("", err)
  end)

  it("stops only the pid it recorded", function()
    local pid = recorded_pid()
    assert.is_true(running(pid))
    -- another process under a recorded pid (as after pid reuse) is not killed
    local other = tonumber(sh_out("sleep 60 >/dev/null 2>&1 & echo $!"))
    local saved = read(state_file)
    local f = assert(io.open(state_file, "wb"))
    f:write((saved:gsub("pid=%d+", "pid=" .. other)))
    f:close()
    local out, _, code = run('"$B" local stop')
    assert.are.equal(0, code)
    assert.matches("not running", out)
    assert.is_true(running(other))
    assert.is_true(running(pid))
    os.execute("kill " .. other)
    -- the real record: that server is stopped
    f = assert(io.open(state_file, "wb"))
    f:write(saved)
    f:close()
    out, _, code = run('"$B" local stop')
    assert.are.equal(0, code)
    assert.matches("dynalite: stopped %(pid " .. pid .. "%)", out)
    assert.is_false(running(pid))
    assert.is_nil(read(state_file))
  end)

  it("treats a state file whose pid is dead as not running, and starts afresh", function()
    local dead = tonumber(sh_out("sh -c 'echo $$'"))
    os.execute("mkdir -p " .. q(tmp .. "/state/bloop"))
    local f = assert(io.open(state_file, "wb"))
    f:write(("server=dynalite\npid=%d\nport=1\nendpoint=http://127.0.0.1:1\n"):format(dead))
    f:close()
    local _, _, code = run('"$B" local status')
    assert.are.equal(3, code)
    -- no running server: the fallback does not use the stale one (no notice)
    local out, err = run([["$B" -e 'print(require("bloop").client("dynamodb",
      { region = "us-east-1", credentials = { access_key_id = "a", secret_access_key = "b" } }):endpoint())']])
    assert.are.equal("https://dynamodb.us-east-1.amazonaws.com\n", out)
    assert.are.equal("", err)
    local port = free_port()
    out, err, code = run('"$B" local start --port ' .. port)
    assert.are.equal(0, code, err)
    assert.matches("127.0.0.1:" .. port, out)
    assert.are_not.equal(dead, recorded_pid())
  end)

  it("refuses a port in use", function()
    local port = read(state_file):match("port=(%d+)")
    run('"$B" local stop')
    local _, _, c0 = run('"$B" local start --port ' .. port)
    assert.are.equal(0, c0)
    local other = tmp .. "/other"
    local _, err, code = run('XDG_STATE_HOME=' .. q(other) .. ' "$B" local start --port ' .. port)
    assert.are.equal(1, code)
    assert.matches("port " .. port .. " on 127.0.0.1 is in use", err)
  end)
end)

describe("bloop local, a server that dies while starting #dynalite_only", function()
  it("fails with the end of its log", function()
    -- a "dynalite" that prints and exits, as a broken install would
    local dir = tmp .. "/broken"
    os.execute("mkdir -p " .. q(dir .. "/node_modules/dynalite"))
    local f = assert(io.open(dir .. "/node_modules/dynalite/cli.js", "wb"))
    f:write('console.error("cannot load leveldown: broken install"); process.exit(1)\n')
    f:close()
    local out, err, code = run('BLOOP_LOCAL_DYNALITE_DIR=' .. q(dir) .. ' "$B" local start')
    assert.are.equal(1, code)
    assert.are.equal("", out)
    assert.matches("bloop local: dynalite exited before answering; the end of .*local%.log:\n"
      .. "cannot load leveldown: broken install", err)
    local _, _, rc = run('"$B" local status')
    assert.are.equal(3, rc)
  end)
end)

describe("bloop local --server moto #moto_only", function()
  teardown(function() run('"$B" local stop') end)

  it("starts, reports, and stops moto", function()
    local port = free_port()
    local out, err, code = run('"$B" local start --server moto --port ' .. port)
    assert.are.equal(0, code, err)
    assert.matches("moto: running on http://127.0.0.1:" .. port, out)
    local env = run('"$B" local env')
    assert.matches("export BLOOP_ENDPOINT=http://127.0.0.1:" .. port .. "\n", env)
    local pid = recorded_pid()
    out = run('"$B" local stop')
    assert.matches("moto: stopped", out)
    assert.is_false(running(pid))
  end)
end)
