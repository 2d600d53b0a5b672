-- bloop.localserver: `bloop local start|stop|status|env`, a DynamoDB-compatible server
-- (dynalite or moto) for one user, on 127.0.0.1 only.
--
-- dynalite is installed on first use with `npm ci` from the package.json and
-- package-lock.json bloop ships (share/bloop/dynalite, or scripts/dynalite in a source
-- tree) into ${XDG_DATA_HOME:-~/.local/share}/bloop/dynalite; BLOOP_LOCAL_DYNALITE_DIR may
-- name a directory where it is already installed (its node_modules/dynalite/cli.js).
-- moto is the machine's python3 -m moto.server. The running server is recorded in
-- ${XDG_STATE_HOME:-~/.local/state}/bloop/local.state (server, pid, port, endpoint), its
-- output in local.log next to it; `stop` kills only that pid, and only while
-- /proc/PID/cmdline still shows that server.
local core = require("bloop.core")

local M = {}

-- exit codes of main()
M.NOT_RUNNING = 3

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function fail(msg) error({ localserver = true, msg = msg }, 0) end

local function home_dir(var, default)
  local v = os.getenv(var)
  if v and v ~= "" then return v end
  local home = os.getenv("HOME")
  if not home or home == "" then fail(var .. " and HOME are both unset") end
  return home .. "/" .. default
end

function M.state_dir() return home_dir("XDG_STATE_HOME", ".local/state") .. "/bloop" end
function M.data_dir() return home_dir("XDG_DATA_HOME", ".local/share") .. "/bloop" end
local function state_file() return M.state_dir() .. "/local.state" end
local function log_file() return M.state_dir() .. "/local.log" end

local function sh(cmd) -- true when the command exits 0
  return os.execute(cmd) == true
end

local function read_all(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function exists(path) return read_all(path) ~= nil end

-- what /proc/PID/cmdline must contain for PID to still be the server bloop started
local MARKER = { dynalite = "dynalite", moto = "moto.server" }

-- true when pid is alive and still runs `server` (a recycled pid is not ours)
local function is_server(pid, server)
  local cmdline = read_all("/proc/" .. tostring(pid) .. "/cmdline")
  return cmdline ~= nil and MARKER[server] ~= nil and cmdline:find(MARKER[server], 1, true) ~= nil
end

-- While starting: between fork and exec the cmdline is briefly empty, which is still ours;
-- gone or a zombie (stat's state Z) means it exited.
local function starting(pid, server)
  local stat = read_all("/proc/" .. tostring(pid) .. "/stat")
  if not stat or stat:match("^%d+ %b() (%a)") == "Z" then return false end
  local cmdline = read_all("/proc/" .. tostring(pid) .. "/cmdline")
  return cmdline == "" or is_server(pid, server)
end

-- The recorded state: { server, pid, port, endpoint } or nil when nothing is recorded.
local function read_state()
  local text = read_all(state_file())
  if not text then return nil end
  local st = {}
  for k, v in text:gmatch("([%w_]+)=([^\n]*)") do st[k] = v end
  st.pid, st.port = tonumber(st.pid), tonumber(st.port)
  if not (st.server and st.pid and st.port and st.endpoint) then return nil end
  return st
end

local function write_state(st)
  local tmp = state_file() .. ".tmp"
  local f = assert(io.open(tmp, "wb"))
  f:write(("server=%s\npid=%d\nport=%d\nendpoint=%s\n"):format(st.server, st.pid, st.port,
    st.endpoint))
  f:close()
  assert(os.rename(tmp, state_file()))
end

-- The running server ({ server, pid, port, endpoint }), or nil: a state file whose pid is
-- dead or no longer the server is stale and ignored (start and stop remove it).
function M.running()
  local ok, st = pcall(read_state)
  if ok and st and is_server(st.pid, st.server) then return st end
  return nil
end

-- ---- finding and installing the servers --------------------------------------------------

local function module_dir()
  local src = debug.getinfo(1, "S").source
  return src:match("^@(.*)/[^/]*$")
end

-- Where bloop's dynalite package.json and package-lock.json are: share/bloop/dynalite
-- (installed: the module is share/bloop/lua/bloop/localserver.lua) or scripts/dynalite (a
-- source tree: lua/bloop/localserver.lua).
local function shipped_dynalite()
  local candidates = {}
  local dir = module_dir()
  if dir then
    candidates[#candidates + 1] = dir .. "/../../dynalite"
    candidates[#candidates + 1] = dir .. "/../../scripts/dynalite"
    candidates[#candidates + 1] = dir .. "/../../../bloop/dynalite"  -- share/lua/5.4/bloop
  end
  for _, prefix in ipairs({ "/usr/local", "/usr" }) do
    candidates[#candidates + 1] = prefix .. "/share/bloop/dynalite"
  end
  for _, c in ipairs(candidates) do
    if exists(c .. "/package-lock.json") and exists(c .. "/package.json") then return c end
  end
  fail("cannot find bloop's dynalite package.json and package-lock.json "
    .. "(share/bloop/dynalite of the installation); set BLOOP_LOCAL_DYNALITE_DIR to a "
    .. "directory where dynalite is installed")
end

local function have(cmd) return sh("command -v " .. q(cmd) .. " >/dev/null 2>&1") end

-- Returns the path of dynalite's cli.js, installing it first if needed.
local function dynalite_cli(quiet)
  if not have("node") then
    fail("node is not installed; dynalite needs Node.js (Debian: apt install nodejs npm), "
      .. "or use --server moto")
  end
  local given = os.getenv("BLOOP_LOCAL_DYNALITE_DIR")
  if given and given ~= "" then
    local cli = given .. "/node_modules/dynalite/cli.js"
    if not exists(cli) then
      fail("BLOOP_LOCAL_DYNALITE_DIR=" .. given .. " has no node_modules/dynalite/cli.js")
    end
    return cli
  end
  local dir = M.data_dir() .. "/dynalite"
  local cli = dir .. "/node_modules/dynalite/cli.js"
  local shipped = shipped_dynalite()
  local lock = read_all(shipped .. "/package-lock.json")
  -- installed, and from the same lockfile: nothing to do
  if exists(cli) and read_all(dir .. "/package-lock.json") == lock then return cli end
  if not have("npm") then
    fail("npm is not installed; bloop installs dynalite with npm on first use "
      .. "(Debian: apt install npm), or use --server moto")
  end
  if not quiet then io.stderr:write("bloop local: installing dynalite into " .. dir .. "\n") end
  local cmd = ("mkdir -p %s && cp %s %s %s && cd %s && npm ci --no-audit --no-fund "
    .. "--loglevel=error >%s 2>&1"):format(q(dir), q(shipped .. "/package.json"),
    q(shipped .. "/package-lock.json"), q(dir), q(dir), q(dir .. "/npm.log"))
  if not sh(cmd) or not exists(cli) then
    fail("npm ci failed in " .. dir .. ":\n" .. (read_all(dir .. "/npm.log") or ""))
  end
  return cli
end

local function check_moto()
  if not have("python3") then
    fail("python3 is not installed; moto needs it (Debian: apt install python3-moto)")
  end
  if not sh("python3 -c 'import moto.server' >/dev/null 2>&1") then
    fail("moto is not importable by python3; install it with `apt install python3-moto` "
      .. "(Debian) or `python3 -m pip install --user 'moto[server]'`")
  end
end

-- ---- ports and probing -----------------------------------------------------------------

-- A port to listen on: `wanted` if free (an error if not), else 8000 if free, else one the
-- system picks. The check binds 127.0.0.1 with the server's own runtime.
local function pick_port(server, wanted)
  local first, strict = wanted or 8000, wanted and 1 or 0
  local cmd
  if server == "moto" then
    cmd = "python3 -c " .. q(([[
import socket,sys
s=socket.socket()
try: s.bind(("127.0.0.1",%d))
except OSError:
  if %d: sys.exit(1)
  s.bind(("127.0.0.1",0))
print(s.getsockname()[1])]]):format(first, strict))
  else
    cmd = "node -e " .. q(([[
const s=require('net').createServer();
const ok=()=>{console.log(s.address().port);s.close()};
s.once('error',()=>{if(%d)process.exit(1);s.listen(0,'127.0.0.1',ok)});
s.listen(%d,'127.0.0.1',ok);]]):format(strict, first))
  end
  local p = assert(io.popen(cmd .. " 2>/dev/null"))
  local out = p:read("a")
  p:close()
  local port = tonumber(out:match("%d+"))
  if not port then
    if wanted then fail(("port %d on 127.0.0.1 is in use; pick another with --port"):format(wanted)) end
    fail("cannot find a free port on 127.0.0.1")
  end
  return port
end

-- true when the server answers ListTables (bloop's own client, dummy credentials)
function M.answers(endpoint)
  local ok, client = pcall(core.client, "dynamodb", { endpoint = endpoint, region = "us-east-1",
    credentials = { access_key_id = "local", secret_access_key = "local" },
    max_attempts = 1, timeout = 2 })
  if not ok then return false end
  return (pcall(client.list_tables, client, {}))
end

local function log_tail(n)
  local text = read_all(log_file()) or ""
  local lines = {}
  for line in text:gmatch("[^\n]+") do lines[#lines + 1] = line end
  return table.concat(lines, "\n", math.max(1, #lines - n + 1))
end

-- ---- commands --------------------------------------------------------------------------

local function launch(server, port, quiet)
  local cmd
  if server == "dynalite" then
    cmd = ("node %s --host 127.0.0.1 --port %d --createTableMs 0 --deleteTableMs 0 "
      .. "--updateTableMs 0"):format(q(dynalite_cli(quiet)), port)
  else
    check_moto()
    cmd = ("python3 -m moto.server -H 127.0.0.1 -p %d"):format(port)
  end
  assert(sh("mkdir -p " .. q(M.state_dir())))
  -- nohup execs the server, so $! is the server's own pid
  local p = assert(io.popen(("nohup %s >%s 2>&1 </dev/null & echo $!"):format(cmd,
    q(log_file()))))
  local pid = tonumber(p:read("a"):match("%d+"))
  p:close()
  if not pid then fail("could not start " .. server) end
  return pid
end

-- start{ server = "dynalite"|"moto", port = n, quiet = bool }: returns the state and
-- whether this call started it (false: one was already running).
function M.start(opts)
  opts = opts or {}
  local server = opts.server or "dynalite"
  if not MARKER[server] then fail("unknown server " .. tostring(server) .. " (dynalite or moto)") end
  local cur = M.running()
  if cur then return cur, false end
  os.remove(state_file())  -- stale: its pid is gone
  if server == "moto" then check_moto() end
  if server == "dynalite" then dynalite_cli(opts.quiet) end  -- install before picking a port
  local port = pick_port(server, opts.port)
  local pid = launch(server, port, opts.quiet)
  local endpoint = "http://127.0.0.1:" .. port
  -- up to ~60 s: moto imports slowly on a loaded machine
  for _ = 1, 300 do
    if not starting(pid, server) then
      fail(("%s exited before answering; the end of %s:\n%s"):format(server, log_file(),
        log_tail(20)))
    end
    if M.answers(endpoint) then
      local st = { server = server, pid = pid, port = port, endpoint = endpoint }
      write_state(st)
      return st, true
    end
    sh("sleep 0.2")
  end
  sh("kill " .. pid .. " 2>/dev/null")
  fail(("%s did not answer on %s within 60 s; the end of %s:\n%s"):format(server, endpoint,
    log_file(), log_tail(20)))
end

-- stop(): stops the recorded server; returns the state it stopped, or nil if none ran.
function M.stop()
  local st = read_state()
  if not st then os.remove(state_file()); return nil end
  if not is_server(st.pid, st.server) then
    os.remove(state_file())  -- stale: never kill a pid that is no longer our server
    return nil
  end
  sh("kill -TERM " .. st.pid)
  for i = 1, 50 do
    if not is_server(st.pid, st.server) then break end
    if i == 50 then sh("kill -KILL " .. st.pid .. " 2>/dev/null") end
    sh("sleep 0.1")
  end
  os.remove(state_file())
  return st
end

function M.env_lines(st)
  return ("export BLOOP_ENDPOINT=%s\n"
    .. "export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1\n")
    :format(st.endpoint)
end

local USAGE = [[
usage: bloop local start [--server dynalite|moto] [--port P]
       bloop local stop
       bloop local status      (exit 0 when running, 3 when not)
       bloop local env         (for: eval "$(bloop local env)")
]]

local function parse_start(args)
  local opts = {}
  local i = 1
  while i <= #args do
    local a, v = args[i], args[i + 1]
    local k, inline = a:match("^%-%-(%w+)=(.*)$")
    if k then a, v, i = "--" .. k, inline, i - 1 end
    if a == "--server" and v then opts.server = v
    elseif a == "--port" and v then
      opts.port = math.tointeger(tonumber(v))
      if not opts.port or opts.port < 1 or opts.port > 65535 then fail("bad --port " .. v) end
    else
      fail("unknown or incomplete option " .. a .. "\n" .. USAGE)
    end
    i = i + 2
  end
  return opts
end

local function describe(st)
  return ("%s: running on %s (pid %d)"):format(st.server, st.endpoint, st.pid)
end

local commands = {}

function commands.start(args)
  local st, started = M.start(parse_start(args))
  print(describe(st) .. (started and "" or "; already running"))
  print('use it from a shell with: eval "$(bloop local env)"')
  return 0
end

function commands.stop(args)
  if #args > 0 then fail(USAGE) end
  local st = M.stop()
  print(st and ("%s: stopped (pid %d)"):format(st.server, st.pid) or "bloop local: not running")
  return 0
end

function commands.status(args)
  if #args > 0 then fail(USAGE) end
  local st = M.running()
  if st then print(describe(st)); return 0 end
  print("bloop local: not running")
  return M.NOT_RUNNING
end

function commands.env(args)
  if #args > 0 then fail(USAGE) end
  local st = M.running()
  if not st then
    io.stderr:write("bloop local: not running (start it with: bloop local start)\n")
    return M.NOT_RUNNING
  end
  io.write(M.env_lines(st))
  return 0
end

-- main(...): the `bloop local` command line; returns the exit code.
function M.main(...)
  local args = { ... }
  local cmd = table.remove(args, 1)
  if cmd == "help" or cmd == "--help" or cmd == "-h" then io.write(USAGE); return 0 end
  local fn = commands[cmd or ""]
  if not fn then io.stderr:write(USAGE); return 2 end
  local ok, code = pcall(fn, args)
  if ok then return code end
  local msg = type(code) == "table" and code.localserver and code.msg or tostring(code)
  io.stderr:write("bloop local: " .. msg .. "\n")
  return 1
end

return M
