-- spec/unit/host/repl_spec.lua: the `bloop` REPL, driven through a real pseudo-terminal
-- (tmux) the way a person uses it: type, press keys, read the screen.
-- Needs tmux. Each session runs its own tmux server, whose socket (-S) lives in the
-- session's temporary HOME next to its BLOOP_HISTORY, so nothing touches the user's files or
-- tmux sessions, and nothing is left behind (-L would leave sockets in /tmp/tmux-UID).

local repo = debug.getinfo(1, "S").source:match("^@(.*)/spec/unit/host/[^/]*$") or "."
if repo:sub(1, 1) ~= "/" then
  repo = assert(io.popen("pwd")):read("l") .. "/" .. repo
end
local BIN = os.getenv("BLOOP_BIN") or (repo .. "/build/bin/bloop")

local function q(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1", "r"))
  local out = p:read("a")
  local ok = p:close()
  return out, ok
end

local function sleep(s) os.execute("sleep " .. s) end

local read = require("spec.helpers").read_file

local counter = 0

-- A running REPL in a detached tmux session of 100x40 cells.
local Session = {}
Session.__index = Session

local function start(home, history)
  counter = counter + 1
  local self = setmetatable({}, Session)
  self.socket = string.format("%s/tmux-%d.sock", home, counter)
  -- After bloop exits, the pane stays to show its exit status.
  local cmd = q(BIN) .. "; echo \"[exited $?]\"; sleep 60"
  local out, ok = sh(string.format(
    "tmux -S %s new-session -d -x 100 -y 40 -e HOME=%s -e BLOOP_HISTORY=%s " ..
    "-e LUA_INIT= -e LUA_INIT_5_4= %s",
    q(self.socket), q(home), q(history), q(cmd)))
  assert(ok, "tmux new-session failed: " .. out)
  self:wait_for("^> $")
  return self
end

function Session:screen()
  local out = sh("tmux -S " .. q(self.socket) .. " capture-pane -p -J")
  return out
end

function Session:lines()
  local t = {}
  for line in (self:screen() .. "\n"):gmatch("(.-)\n") do t[#t + 1] = line end
  while #t > 0 and t[#t] == "" do t[#t] = nil end
  return t
end

-- Waits until some screen line matches pattern (a Lua pattern) `count` times.
function Session:wait_for(pattern, count, timeout)
  count = count or 1
  local deadline = os.time() + (timeout or 5)
  local lines
  repeat
    lines = self:lines()
    local n = 0
    for _, l in ipairs(lines) do
      if l:match(pattern) then n = n + 1 end
    end
    if n >= count then return lines end
    sleep(0.05)
  until os.time() > deadline
  error(string.format("timed out waiting for %q (x%d); screen:\n%s", pattern, count,
                      table.concat(lines, "\n")), 2)
end

-- Types text literally (tmux would read "end" as the End key otherwise), then Enter.
function Session:type(text)
  sh("tmux -S " .. q(self.socket) .. " send-keys -l " .. q(text))
  self:keys("Enter")
end

function Session:keys(...)
  local names = {}
  for i = 1, select("#", ...) do names[i] = q((select(i, ...))) end
  sh("tmux -S " .. q(self.socket) .. " send-keys " .. table.concat(names, " "))
end

function Session:kill()
  sh("tmux -S " .. q(self.socket) .. " kill-server")
end

-- The lines following the last line equal to `prompt_line`, up to the next prompt.
local function output_after(lines, prompt_line)
  local last
  for i, l in ipairs(lines) do
    if l == prompt_line then last = i end
  end
  assert(last, "no line " .. prompt_line)
  local out = {}
  for i = last + 1, #lines do
    if lines[i]:match("^> ") or lines[i] == ">" then break end
    out[#out + 1] = lines[i]
  end
  return table.concat(out, "\n")
end

local have_tmux = select(2, sh("command -v tmux"))

describe("bloop REPL", function()
  local home, history, s

  setup(function()
    assert(have_tmux, "tmux is needed to drive the REPL")
    assert(io.open(BIN, "rb"), "bloop binary not found at " .. BIN .. " (set BLOOP_BIN)")
  end)

  before_each(function()
    home = sh("mktemp -d"):gsub("\n$", "")
    history = home .. "/history"
    s = start(home, history)
  end)

  after_each(function()
    if s then s:kill() end
    os.execute("rm -rf " .. q(home))
  end)

  it("greets with the version and prints an expression's value", function()
    local lines = s:lines()
    assert.matches("^bloop %d+%.%d+%.%d+ %(Lua 5%.4%.%d+%)$", lines[1])
    s:type("1 + 1")
    lines = s:wait_for("^2$")
    assert.are.equal("2", output_after(lines, "> 1 + 1"))
  end)

  it("prints all the values of a multiple return, strings quoted", function()
    s:type("'a', 2, nil, true")
    -- Tab-separated like print; the terminal shows the tabs as spaces.
    local lines = s:wait_for('^"a"%s+2%s+nil%s+true$')
    assert.matches('^"a"%s+2%s+nil%s+true$', output_after(lines, "> 'a', 2, nil, true"))
  end)

  it("pretty-prints nested tables", function()
    s:type("{ list = {1, 2, 3}, nested = { deeper = { name = 'x' } }, [10] = false }")
    local lines = s:wait_for("^{ ")
    assert.are.equal(
      '{ [10] = false, list = { 1, 2, 3 }, nested = { deeper = { name = "x" } } }',
      output_after(lines, "> { list = {1, 2, 3}, nested = { deeper = { name = 'x' } }, [10] = false }"))
  end)

  it("spreads a wide table over indented lines", function()
    s:type("t = {} for i = 1, 12 do t['key' .. i] = string.rep('v', 8) end")
    s:wait_for("^> $")
    s:type("t")
    local lines = s:wait_for("^}$")
    local out = output_after(lines, "> t")
    assert.matches('^{\n  key1 = "vvvvvvvv",\n  key2 = "vvvvvvvv",\n', out)
    assert.matches('\n  key12 = "vvvvvvvv"\n}$', out)  -- natural order: key12 is last
  end)

  it("marks a cycle", function()
    s:type("t = { name = 'loop' }; t.me = t")
    s:wait_for("^> $")
    s:type("t")
    local lines = s:wait_for("<cycle>")
    assert.are.equal('{ me = <cycle>, name = "loop" }', output_after(lines, "> t"))
  end)

  it("lets an object print itself through __tostring", function()
    s:type("setmetatable({ secret = 'hidden' }, { __tostring = function() return '<Thing>' end })")
    local lines = s:wait_for("^<Thing>$")
    assert.is_nil(table.concat(lines, "\n"):find("hidden = ", 1, true))
  end)

  it("continues a multi-line function definition with '>> '", function()
    s:type("function twice(x)")
    s:wait_for("^>> $")
    s:type("local y = x * 2")
    s:wait_for("^>> local y = x %* 2$")
    s:type("return y")
    s:wait_for("^>> return y$")
    s:type("end")
    s:wait_for("^>> end$")
    s:type("twice(21)")
    local lines = s:wait_for("^42$")
    assert.are.equal("42", output_after(lines, "> twice(21)"))
  end)

  it("reports an error and keeps going", function()
    s:type("error('kaput')")
    s:wait_for("^stdin:1: kaput$")
    s:wait_for("^stack traceback:$")
    s:type("nil + 1")
    s:wait_for("^stdin:1: attempt to perform arithmetic on a nil value$")
    s:type("40 + 2")
    local lines = s:wait_for("^42$")
    assert.are.equal("42", output_after(lines, "> 40 + 2"))
  end)

  it("reports a syntax error without waiting for more lines", function()
    s:type("x = = 1")
    s:wait_for("^stdin:1: unexpected symbol near '='$")
    s:type("'still here'")
    s:wait_for('^"still here"$')
  end)

  it("has bloop as a global", function()
    s:type("bloop.version == require('bloop').version, type(bloop.version)")
    s:wait_for('^true%s+"string"$')
  end)

  it("interrupts a running loop with Ctrl-C and keeps going", function()
    s:type("while true do end")
    sleep(0.3)
    s:keys("C-c")
    s:wait_for("interrupted!")
    s:type("'alive'")
    s:wait_for('^"alive"$')
  end)

  it("cancels the line being typed with Ctrl-C and gives a new prompt", function()
    sh("tmux -S " .. q(s.socket) .. " send-keys -l " .. q("error('ran')"))
    s:wait_for("^> error%('ran'%)$")   -- typed and shown: only then the next prompt is new
    s:keys("C-c")
    s:wait_for("^> $")
    s:type("'after'")
    s:wait_for('^"after"$')
    assert.is_nil(s:screen():find("stdin:1: ran", 1, true))  -- the cancelled line never ran
    assert.is_nil(s:screen():find("exited", 1, true))
  end)

  it("abandons an incomplete statement with Ctrl-C or Ctrl-D on a continuation line", function()
    s:type("for i = 1, 2 do")
    s:wait_for("^>> $")
    s:keys("C-c")
    s:wait_for("^> $")
    s:type("'one'")
    s:wait_for('^"one"$')
    s:type("function f()")
    s:wait_for("^>> $")
    s:keys("C-d")
    s:wait_for("^> $")
    s:type("'two', f")
    s:wait_for('^"two"%s+nil$')
    local screen = s:screen()
    assert.is_nil(screen:find("error object", 1, true))
    assert.is_nil(screen:find("exited", 1, true))
  end)

  it("completes names with Tab: globals, bloop's members, an object's methods", function()
    sh("tmux -S " .. q(s.socket) .. " send-keys -l " .. q("bloop.Eng"))
    s:keys("Tab")
    s:wait_for("^> bloop%.Engine$")
    s:keys("C-u")
    s:type("e = bloop.Engine{ region = 'us-east-1', endpoint = 'http://127.0.0.1:1', " ..
           "credentials = { access_key_id = 'AKID', secret_access_key = 'x' } }")
    s:wait_for("^> $")
    sh("tmux -S " .. q(s.socket) .. " send-keys -l " .. q("e:sa"))
    s:keys("Tab")
    s:wait_for("^> e:save$")
    s:keys("C-u")
    sh("tmux -S " .. q(s.socket) .. " send-keys -l " .. q("type(e.bat"))
    s:keys("Tab")
    s:wait_for("^> type%(e%.batch_$")   -- batch_delete and batch_save: their common prefix
    s:type("save)")
    s:wait_for('^"function"$')
  end)

  it("recalls the previous line with the up arrow", function()
    s:type("6 * 7")
    s:wait_for("^42$")
    s:keys("Up")
    s:wait_for("^> 6 %* 7$", 2)  -- the recalled line, shown at the new prompt
    s:keys("Enter")
    s:wait_for("^42$", 2)
  end)

  it("writes the history file and reads it back in the next session", function()
    s:type("local_a = 1")
    s:wait_for("^> $")
    s:type("'second'")
    s:wait_for('^"second"$')
    s:keys("C-d")
    s:wait_for("^%[exited 0%]$")
    local text = assert(read(history), "no history file at " .. history)
    -- libedit's format: a header line, then entries with spaces etc. octal-escaped.
    local entries = {}
    for line in text:gmatch("[^\n]+") do
      entries[#entries + 1] = line:gsub("\\(%d%d%d)", function(o)
        return string.char(tonumber(o, 8))
      end)
    end
    assert.are.same({ "local_a = 1", "'second'" }, { entries[#entries - 1], entries[#entries] })
    s:kill()

    s = start(home, history)
    s:keys("Up", "Up")
    s:wait_for("^> local_a = 1$")
    s:keys("Enter")
    s:wait_for("^> $")
    s:type("local_a")
    s:wait_for("^1$")
  end)

  it("keeps the history bounded", function()
    s:keys("C-d")
    s:wait_for("^%[exited 0%]$")
    s:kill()
    local f = assert(io.open(history, "wb"))
    f:write("_HiStOrY_V2_\n")
    for i = 1, 1500 do f:write("x", i, "\n") end
    f:close()
    s = start(home, history)
    s:type("'last'")
    s:wait_for('^"last"$')
    local n, last = 0, nil
    for line in read(history):gmatch("[^\n]+") do
      n = n + 1
      last = line
    end
    assert.is_true(n <= 1001, "history has " .. n .. " lines")
    assert.are.equal("'last'", last)
  end)

  it("exits with status 0 at end of input", function()
    s:keys("C-d")
    s:wait_for("^%[exited 0%]$")
  end)
end)
