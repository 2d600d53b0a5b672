/*
 * embed.c: using bloop from C, in two ways.
 *
 *  (a) the core alone, no Lua: sign a DynamoDB ListTables request at a fixed time with
 *      bloop_sigv4_sign and print the headers the signer adds (the documented example key
 *      pair of the AWS docs; the secret itself is never printed), then walk the operation
 *      table;
 *  (b) the embedding runtime: a Lua state where require("bloop") works without LUA_PATH;
 *      run Lua code and read the values it returns back through the Lua C API, and see a
 *      Lua error come back as a bloop_error.
 *
 * Build: part of the main CMake build (examples/embed), or stand-alone against an
 * installed bloop: cc embed.c $(pkg-config --cflags lua5.4) -lbloop ... (see
 * CMakeLists.txt). Exit status 0 when every step worked.
 */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "bloop/bloop.h"

/* (a) ------------------------------------------------------------------------------- */

static int sign_example(void) {
  static const char body[] = "{}";
  const bloop_header headers[] = {
      {"Host", "dynamodb.us-east-1.amazonaws.com"},
      {"Content-Type", "application/x-amz-json-1.0"},
      {"X-Amz-Target", "DynamoDB_20120810.ListTables"},
  };
  bloop_sigv4_request req = {
      .method = "POST", .path = "/", .query = NULL,
      .headers = headers, .nheaders = sizeof headers / sizeof headers[0],
      .body = body, .body_len = sizeof body - 1,
  };
  bloop_sigv4_params params = {
      .access_key_id = "AKIDEXAMPLE",
      .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      .session_token = NULL,
      .region = "us-east-1",
      .service = "dynamodb",
      .time = 1440938160,  /* 2015-08-30T12:36:00Z: a pinned clock gives a fixed signature */
      .normalize_path = 1,
      .sign_body = 0,
      .omit_session_token = 0,
  };
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_sigv4_result res;
  bloop_sigv4_result_init(&res);
  bloop_sigv4 *signer = bloop_sigv4_new();
  if (signer == NULL) {
    fprintf(stderr, "embed: out of memory\n");
    return 1;
  }
  int rc = 0;
  if (bloop_sigv4_sign(signer, &params, &req, 0, &res, &err) != BLOOP_OK) {
    fprintf(stderr, "embed: signing failed: %s: %s\n", err.code, err.message);
    rc = 1;
  } else {
    for (size_t i = 0; i < res.nadded; i++)
      printf("sigv4: %s: %s\n", res.added[i].name, res.added[i].value);
  }
  bloop_sigv4_result_clear(&res);
  bloop_sigv4_free(signer);
  return rc;
}

static int operations_example(void) {
  size_t n = bloop_operation_count(), streams = 0;
  for (size_t i = 0; i < n; i++) {
    const bloop_operation *op = bloop_operation_at(i);
    if (op->service == BLOOP_SERVICE_STREAMS) streams++;
  }
  if (n == 0 || bloop_operation_at(n) != NULL) {
    fprintf(stderr, "embed: operation table is malformed\n");
    return 1;
  }
  printf("operations: %zu (DynamoDB %zu, Streams %zu)\n", n, n - streams, streams);
  static const struct { bloop_service service; const char *name; } wanted[] = {
      {BLOOP_SERVICE_DYNAMODB, "PutItem"},
      {BLOOP_SERVICE_DYNAMODB, "TransactWriteItems"},
      {BLOOP_SERVICE_STREAMS, "GetRecords"},
  };
  for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
    const bloop_operation *op = bloop_operation_find(wanted[i].service, wanted[i].name);
    if (op == NULL) {
      fprintf(stderr, "embed: operation %s not found\n", wanted[i].name);
      return 1;
    }
    printf("operation: %s.%s -> %s\n", bloop_service_target_prefix(op->service), op->name,
           op->snake_name);
  }
  return 0;
}

/* (b) ------------------------------------------------------------------------------- */

static int runtime_example(void) {
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_runtime *rt = bloop_runtime_new(&err);
  if (rt == NULL) {
    fprintf(stderr, "embed: %s: %s\n", err.code, err.message);
    return 1;
  }
  lua_State *L = bloop_runtime_lua(rt);  /* borrowed; the runtime closes it */
  int rc = 0;
  int top = lua_gettop(L);
  /* The chunk's results stay on the stack for us to read. */
  if (bloop_runtime_dostring(rt,
                             "local bloop = require('bloop')\n"
                             "return bloop.version, { answer = 6 * 7, from = 'lua' }\n",
                             &err) != BLOOP_OK) {
    fprintf(stderr, "embed: %s: %s\n", err.code, err.message);
    rc = 1;
  } else if (lua_gettop(L) - top != 2 || !lua_isstring(L, top + 1) ||
             !lua_istable(L, top + 2)) {
    fprintf(stderr, "embed: unexpected results from Lua\n");
    rc = 1;
  } else {
    lua_getfield(L, top + 2, "answer");  /* [version, t, answer] */
    lua_getfield(L, top + 2, "from");    /* [version, t, answer, from] */
    printf("runtime: bloop.version = %s\n", lua_tostring(L, top + 1));
    printf("runtime: answer = %lld from %s\n", (long long)lua_tointeger(L, -2),
           lua_tostring(L, -1));
  }
  lua_settop(L, top);

  /* A Lua error comes back as a bloop_error: message and traceback, nothing printed. */
  if (rc == 0) {
    bloop_status st = bloop_runtime_dostring(rt, "local t = nil\nreturn t.field\n", &err);
    if (st == BLOOP_OK || lua_gettop(L) != top) {
      fprintf(stderr, "embed: the failing chunk did not fail cleanly\n");
      rc = 1;
    } else {
      const char *nl = strchr(err.message, '\n');  /* first line; the traceback follows */
      printf("runtime error: %s (%s): %.*s\n", bloop_status_name(st), err.code,
             nl ? (int)(nl - err.message) : (int)strlen(err.message), err.message);
    }
  }
  bloop_runtime_free(rt);
  return rc;
}

int main(void) {
  int rc = 0;
  rc |= sign_example();
  rc |= operations_example();
  rc |= runtime_example();
  printf("%s\n", rc == 0 ? "embed: ok" : "embed: FAILED");
  return rc;
}
