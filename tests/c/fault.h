/*
 * fault.h: support for the C tests that talk to tests/tools/fault_server.py (a scripted
 * DynamoDB-shaped server: answers per attempt from markers in the request, a log per tag).
 * Owns starting it on a free loopback port, stopping it, and reading its log. Does not own
 * what the server answers (fault_server.py) or any check (each test's own).
 */
#ifndef BLOOP_TEST_FAULT_H
#define BLOOP_TEST_FAULT_H

#include <cjson/cJSON.h>
#include <sys/types.h>

typedef struct fault_server {
  pid_t pid;
  int port;
  char endpoint[64]; /* "http://127.0.0.1:<port>" */
} fault_server;

/* Starts the server from $BLOOP_SOURCE_DIR/tests/tools (it exits by itself after two idle
 * minutes, should the test die first). 1 when it answered with its port, else 0. */
int fault_server_start(fault_server *s);
void fault_server_stop(fault_server *s);

/* The server's log for tag (GET /__log?tag=...) parsed; the caller deletes it. */
cJSON *fault_server_log(const fault_server *s, const char *tag);

/* A monotonic clock in milliseconds, for the tests' bounds on backoff. */
long long fault_now_ms(void);

#endif
