-- todo_spec.lua: how a user tests their own bloop models with busted and bloop.testing.
-- Run with `busted examples/spec` against a local server: BLOOP_ENDPOINT, else a running
-- `bloop local`, else bloop.testing starts one (and stops it at the end).
local bloop = require("bloop")
local testing = require("bloop.testing")

local Todo = bloop.Model:extend("Todo", { table_name = "todos" })
Todo.owner = bloop.Column(bloop.String, { hash_key = true })
Todo.id    = bloop.Column(bloop.Integer, { range_key = true })
Todo.title = bloop.Column(bloop.String)
Todo.done  = bloop.Column(bloop.Boolean)

describe("Todo", function()
  local engine

  lazy_setup(function()
    engine = testing.engine()
    engine:bind(Todo)   -- a table of this run's own, dropped by testing.teardown
  end)

  lazy_teardown(testing.teardown)

  it("saves and loads a todo", function()
    engine:save(Todo{ owner = "ada", id = 1, title = "write specs", done = false })
    local todo = Todo{ owner = "ada", id = 1 }
    engine:load(todo, { consistent = true })
    assert.are.equal("write specs", todo.title)
    assert.is_false(todo.done)
  end)

  it("queries an owner's todos in id order", function()
    for id = 10, 12 do
      engine:save(Todo{ owner = "grace", id = id, title = "task " .. id, done = id == 11 })
    end
    local todos = engine:query(Todo, { key = Todo.owner:eq("grace") & Todo.id:ge(11) }):all()
    assert.are.equal(2, #todos)
    assert.are.same({ 11, 12 }, { todos[1].id, todos[2].id })
    assert.is_true(todos[1].done)
  end)

  it("refuses a conditional save when the todo exists", function()
    engine:save(Todo{ owner = "ada", id = 2, title = "first" })
    local ok, err = pcall(engine.save, engine, Todo{ owner = "ada", id = 2, title = "second" },
      { condition = Todo.title:is_(nil) })
    assert.is_false(ok)
    assert.are.equal("ConstraintViolation", err.name)
    local stored = Todo{ owner = "ada", id = 2 }
    engine:load(stored, { consistent = true })
    assert.are.equal("first", stored.title)
  end)
end)
