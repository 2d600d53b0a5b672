/*
 * fault.c: starting, stopping and reading tests/tools/fault_server.py (fault.h).
 */
#include "fault.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bloop/buf.h"

long long fault_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int fault_server_start(fault_server *s) {
  const char *src = getenv("BLOOP_SOURCE_DIR");
  char script[1024];
  snprintf(script, sizeof script, "%s/tests/tools/fault_server.py", src ? src : ".");
  if (access(script, R_OK) != 0) {
    printf("# cannot read %s (set BLOOP_SOURCE_DIR to the source tree)\n", script);
    return 0;
  }
  int fds[2];
  if (pipe(fds) != 0) return 0;
  s->pid = fork();
  if (s->pid < 0) return 0;
  if (s->pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execlp("python3", "python3", script, "--idle", "1", "--lifetime", "120", (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  FILE *f = fdopen(fds[0], "r");
  char line[64] = "";
  int ok = f && fgets(line, sizeof line, f) && sscanf(line, "PORT %d", &s->port) == 1;
  if (f) fclose(f);
  snprintf(s->endpoint, sizeof s->endpoint, "http://127.0.0.1:%d", s->port);
  return ok;
}

void fault_server_stop(fault_server *s) {
  if (s->pid > 0) {
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
  }
}

static size_t grab(char *p, size_t s, size_t n, void *ud) {
  bloop_buf_append(ud, p, s * n);
  return s * n;
}

cJSON *fault_server_log(const fault_server *s, const char *tag) {
  char url[256];
  snprintf(url, sizeof url, "%s/__log?tag=%s", s->endpoint, tag);
  bloop_buf b = BLOOP_BUF_INIT;
  CURL *e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, grab);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
  curl_easy_perform(e);
  curl_easy_cleanup(e);
  cJSON *j = cJSON_Parse(b.data ? b.data : "[]");
  bloop_buf_free(&b);
  return j;
}
