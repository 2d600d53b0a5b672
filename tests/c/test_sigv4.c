/*
 * test_sigv4.c: the SigV4 signer against three vector sets, read at run time so a case
 * dropped into a folder is tested with no code change:
 *   $BLOOP_SHARED_DIR/sigv4-test-suite/aws-c-auth-v4/<case>/   (context.json + request.txt)
 *   $BLOOP_SHARED_DIR/sigv4-test-suite/aws-sig-v4-test-suite/<case>/<case>.req/.creq/...
 *   $BLOOP_SOURCE_DIR/tests/data/sigv4-dynamodb/<case>/        (botocore, same layout as
 *                                                               aws-c-auth-v4)
 * Each case is checked stage by stage (canonical request, string to sign, signature,
 * Authorization), and a mismatch names the case and the stage.
 *
 * Obsolete line folding (get-header-value-multiline): the two AWS sets disagree. The request
 * parser takes a fold mode. For aws-c-auth-v4 (and botocore, whose canonical value is
 * ' '.join(value.split())) a continuation line is folded into the value with a space, as RFC
 * 7230 3.2.4 says; for the 2015 classic set each continuation line is read as one more value
 * of the same header, which the signer then joins with ',' like any repeated header. The
 * signer itself refuses CR/LF in a value, so unfolding is always the parser's job.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bloop/sigv4.h"
#include "tap.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define CLASSIC_DATE "20150830T123600Z"
#define CLASSIC_TIME 1440938160 /* 2015-08-30T12:36:00Z */

/* ---- files -------------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (size_t r; buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
    n += r;
    if (n + 1 >= cap) {
      char *p = realloc(buf, cap *= 2);
      if (!p) free(buf);
      buf = p;
    }
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

static char *read_path(const char *dir, const char *name) {
  char path[1800];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return read_file(path, NULL);
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sub-directory names of dir, sorted; NULL-terminated. */
static char **list_dirs(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return NULL;
  size_t n = 0, cap = 16;
  char **names = malloc(cap * sizeof *names);
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    DIR *sub = opendir(path);
    if (!sub) continue;
    closedir(sub);
    if (n + 1 >= cap) names = realloc(names, (cap *= 2) * sizeof *names);
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_names);
  names[n] = NULL;
  return names;
}

static void free_list(char **names) {
  for (char **p = names; p && *p; p++) free(*p);
  free(names);
}

/* ---- request parser ----------------------------------------------------------------- */

enum fold_mode { FOLD_SPACE, FOLD_NEW_VALUE };

typedef struct parsed {
  char *method, *path, *query;
  char *hn[64], *hv[64];  /* owned names and values */
  bloop_header h[64];     /* views of hn/hv for the signer; see views() */
  size_t nh;
  const char *body;
  size_t body_len;
  char *text;
} parsed;

static void parsed_free(parsed *p) {
  free(p->method);
  free(p->path);
  free(p->query);
  for (size_t i = 0; i < p->nh; i++) {
    free(p->hn[i]);
    free(p->hv[i]);
  }
  free(p->text);
  memset(p, 0, sizeof *p);
}

static char *dupn(const char *s, size_t n) {
  char *d = malloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* Splits the request line on its first and last space (get-space has one in its path). */
static int parse_request(char *text, size_t len, enum fold_mode fold, parsed *p) {
  memset(p, 0, sizeof *p);
  p->text = text;
  char *end = text + len;
  char *eol = memchr(text, '\n', len);
  if (!eol) eol = end;
  char *sp1 = memchr(text, ' ', (size_t)(eol - text)), *sp2 = eol;
  while (sp2 > text && sp2[-1] != ' ') sp2--;
  if (!sp1 || sp2 - 1 <= sp1) return 0;
  p->method = dupn(text, (size_t)(sp1 - text));
  char *target = sp1 + 1, *tend = sp2 - 1;
  char *q = memchr(target, '?', (size_t)(tend - target));
  if (q) {
    p->path = dupn(target, (size_t)(q - target));
    p->query = dupn(q + 1, (size_t)(tend - q - 1));
  } else {
    p->path = dupn(target, (size_t)(tend - target));
  }
  char *line = eol < end ? eol + 1 : end;
  while (line < end) {
    char *nl = memchr(line, '\n', (size_t)(end - line));
    char *le = nl ? nl : end;
    if (le > line && le[-1] == '\r') le--;
    if (le == line) { /* empty line: the body follows */
      p->body = nl ? nl + 1 : end;
      p->body_len = (size_t)(end - p->body);
      break;
    }
    if ((*line == ' ' || *line == '\t') && p->nh) {
      char *v = line;
      while (v < le && (*v == ' ' || *v == '\t')) v++;
      size_t last = p->nh - 1;
      if (fold == FOLD_SPACE) {
        size_t ol = strlen(p->hv[last]), nl2 = (size_t)(le - v);
        char *nv = malloc(ol + 1 + nl2 + 1);
        memcpy(nv, p->hv[last], ol);
        nv[ol] = ' ';
        memcpy(nv + ol + 1, v, nl2);
        nv[ol + 1 + nl2] = '\0';
        free(p->hv[last]);
        p->hv[last] = nv;
      } else if (p->nh < 64) {
        p->hn[p->nh] = strdup(p->hn[last]);
        p->hv[p->nh] = dupn(v, (size_t)(le - v));
        p->nh++;
      }
    } else {
      char *colon = memchr(line, ':', (size_t)(le - line));
      if (!colon || p->nh >= 64) return 0;
      p->hn[p->nh] = dupn(line, (size_t)(colon - line));
      p->hv[p->nh] = dupn(colon + 1, (size_t)(le - colon - 1));
      p->nh++;
    }
    line = nl ? nl + 1 : end;
  }
  return 1;
}

/* Removes header `name` (case-insensitive) and returns its value (caller frees), or NULL. */
static char *take_header(parsed *p, const char *name) {
  for (size_t i = 0; i < p->nh; i++) {
    if (strcasecmp(p->hn[i], name) == 0) {
      char *v = p->hv[i];
      free(p->hn[i]);
      memmove(&p->hn[i], &p->hn[i + 1], (p->nh - i - 1) * sizeof p->hn[0]);
      memmove(&p->hv[i], &p->hv[i + 1], (p->nh - i - 1) * sizeof p->hv[0]);
      p->nh--;
      return v;
    }
  }
  return NULL;
}

static const bloop_header *views(parsed *p) {
  for (size_t i = 0; i < p->nh; i++) p->h[i] = (bloop_header){p->hn[i], p->hv[i]};
  return p->h;
}

/* Value of "Name:value" / "Name: value" line in a signed request text, or NULL. */
static char *find_line_value(const char *text, const char *name) {
  size_t n = strlen(name);
  for (const char *l = text; l && *l;) {
    const char *nl = strchr(l, '\n');
    size_t len = nl ? (size_t)(nl - l) : strlen(l);
    if (len > n && strncasecmp(l, name, n) == 0 && l[n] == ':') {
      const char *v = l + n + 1;
      while (*v == ' ') v++;
      return dupn(v, len - (size_t)(v - l));
    }
    l = nl ? nl + 1 : NULL;
  }
  return NULL;
}

static void rtrim(char *s) {
  if (!s) return;
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = '\0';
}

/* ---- stage comparison --------------------------------------------------------------- */

static int failures_in_case;

static void stage(const char *set, const char *name, const char *what, const char *got,
                  const char *want) {
  char detail[8192];
  int ok = got && want && strcmp(got, want) == 0;
  snprintf(detail, sizeof detail, "%s/%s: %s differs\n--- got:\n%s\n--- want:\n%s", set, name,
           what, got ? got : "(null)", want ? want : "(missing file)");
  if (!CHECK_MSG(ok, detail)) failures_in_case++;
}

/* ---- aws-c-auth-v4 layout (also the DynamoDB vectors) --------------------------------- */

static int parse_iso8601(const char *s, time_t *out) {
  struct tm tm = {0};
  if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  *out = timegm(&tm);
  return 1;
}

static const char *jstr(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int jbool(const cJSON *o, const char *k) {
  return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void run_context_case(bloop_sigv4 *s, const char *set, const char *dir,
                             const char *name) {
  char cdir[1400];
  snprintf(cdir, sizeof cdir, "%s/%s", dir, name);
  char *ctx_text = read_path(cdir, "context.json");
  char path[1800];
  snprintf(path, sizeof path, "%s/request.txt", cdir);
  size_t rlen = 0;
  char *rtext = read_file(path, &rlen);
  char *want_creq = read_path(cdir, "header-canonical-request.txt");
  char *want_sts = read_path(cdir, "header-string-to-sign.txt");
  char *want_sig = read_path(cdir, "header-signature.txt");
  char *signed_req = read_path(cdir, "header-signed-request.txt");
  char *want_auth = signed_req ? find_line_value(signed_req, "Authorization") : NULL;
  cJSON *ctx = ctx_text ? cJSON_Parse(ctx_text) : NULL;
  parsed p;
  int parsed_ok = rtext && parse_request(rtext, rlen, FOLD_SPACE, &p);
  rtrim(want_sig);
  failures_in_case = 0;

  char detail[4400];
  snprintf(detail, sizeof detail, "%s/%s: context.json and request.txt readable and parsed",
           set, name);
  if (CHECK_MSG(ctx && parsed_ok, detail)) {
    const cJSON *cr = cJSON_GetObjectItemCaseSensitive(ctx, "credentials");
    bloop_sigv4_params prm = {0};
    prm.access_key_id = jstr(cr, "access_key_id");
    prm.secret_access_key = jstr(cr, "secret_access_key");
    prm.session_token = jstr(cr, "token");
    prm.region = jstr(ctx, "region");
    prm.service = jstr(ctx, "service");
    prm.normalize_path = jbool(ctx, "normalize");
    prm.sign_body = jbool(ctx, "sign_body");
    prm.omit_session_token = jbool(ctx, "omit_session_token");
    int time_ok = parse_iso8601(jstr(ctx, "timestamp"), &prm.time);
    bloop_sigv4_request req = {p.method, p.path, p.query, views(&p), p.nh, p.body,
                               p.body_len};
    bloop_sigv4_result res;
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_error_clear(&err);
    bloop_sigv4_result_init(&res);
    bloop_status st = bloop_sigv4_sign(s, &prm, &req, 1, &res, &err);
    snprintf(detail, sizeof detail, "%s/%s: sign returned %d (%s)", set, name, (int)st,
             err.message);
    if (CHECK_MSG(time_ok && st == BLOOP_OK, detail)) {
      stage(set, name, "canonical request", res.canonical_request.data, want_creq);
      stage(set, name, "string to sign", res.string_to_sign.data, want_sts);
      stage(set, name, "signature", res.signature, want_sig);
      stage(set, name, "authorization", res.authorization, want_auth);
      /* Every header the signer adds appears, with its value, in the signed request. */
      for (size_t i = 0; i < res.nadded; i++) {
        char *v = signed_req ? find_line_value(signed_req, res.added[i].name) : NULL;
        char what[128];
        snprintf(what, sizeof what, "added header %s", res.added[i].name);
        stage(set, name, what, res.added[i].value, v);
        free(v);
      }
    }
    bloop_sigv4_result_clear(&res);
    parsed_free(&p);
  } else if (parsed_ok) {
    parsed_free(&p);
  } else {
    free(rtext);
  }
  if (failures_in_case) tap_note("FAILED %s/%s", set, name);
  cJSON_Delete(ctx);
  free(ctx_text);
  free(want_creq);
  free(want_sts);
  free(want_sig);
  free(signed_req);
  free(want_auth);
}

static int run_context_set(bloop_sigv4 *s, const char *set, const char *dir) {
  char **names = list_dirs(dir);
  int n = 0;
  for (char **c = names; c && *c; c++, n++) run_context_case(s, set, dir, *c);
  free_list(names);
  return n;
}

/* ---- the classic 2015 suite ---------------------------------------------------------- */

/* No context file: the parameters are the suite's fixed ones. The .req already carries
 * X-Amz-Date (and, for post-sts-header-before, the token); those are taken out of the
 * request and handed to the signer, which adds them back. A token that appears only in
 * the .sreq was added after signing: that is omit_session_token. */
static void run_classic_case(bloop_sigv4 *s, const char *dir, const char *name) {
  const char *set = "aws-sig-v4-test-suite";
  char cdir[1400], file[1800];
  snprintf(cdir, sizeof cdir, "%s/%s", dir, name);
  snprintf(file, sizeof file, "%s/%s.req", cdir, name);
  size_t rlen = 0;
  char *rtext = read_file(file, &rlen);
#define READ_EXT(var, ext)                                \
  snprintf(file, sizeof file, "%s/%s." ext, cdir, name); \
  char *var = read_file(file, NULL)
  READ_EXT(want_creq, "creq");
  READ_EXT(want_sts, "sts");
  READ_EXT(want_auth, "authz");
  READ_EXT(sreq, "sreq");
#undef READ_EXT
  rtrim(want_auth);
  failures_in_case = 0;
  parsed p;
  int parsed_ok = rtext && parse_request(rtext, rlen, FOLD_NEW_VALUE, &p);
  char detail[4400];
  snprintf(detail, sizeof detail, "%s/%s: .req readable and parsed", set, name);
  if (CHECK_MSG(parsed_ok, detail)) {
    char *date = take_header(&p, "X-Amz-Date");
    char *token = take_header(&p, "X-Amz-Security-Token");
    char *late_token = (!token && sreq) ? find_line_value(sreq, "X-Amz-Security-Token") : NULL;
    snprintf(detail, sizeof detail, "%s/%s: .req carries X-Amz-Date " CLASSIC_DATE, set, name);
    CHECK_MSG(date && strcmp(date, CLASSIC_DATE) == 0, detail);

    bloop_sigv4_params prm = {AKID, SECRET, token ? token : late_token, "us-east-1", "service",
                              CLASSIC_TIME, 1, 0, late_token != NULL};
    bloop_sigv4_request req = {p.method, p.path, p.query, views(&p), p.nh, p.body,
                               p.body_len};
    bloop_sigv4_result res;
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_error_clear(&err);
    bloop_sigv4_result_init(&res);
    bloop_status st = bloop_sigv4_sign(s, &prm, &req, 1, &res, &err);
    snprintf(detail, sizeof detail, "%s/%s: sign returned %d (%s)", set, name, (int)st,
             err.message);
    if (CHECK_MSG(st == BLOOP_OK, detail)) {
      stage(set, name, "canonical request", res.canonical_request.data, want_creq);
      stage(set, name, "string to sign", res.string_to_sign.data, want_sts);
      stage(set, name, "authorization", res.authorization, want_auth);
    }
    bloop_sigv4_result_clear(&res);
    free(date);
    free(token);
    free(late_token);
    parsed_free(&p);
  } else {
    free(rtext);
  }
  if (failures_in_case) tap_note("FAILED %s/%s", set, name);
  free(want_creq);
  free(want_sts);
  free(want_auth);
  free(sreq);
}

static int run_classic_set(bloop_sigv4 *s, const char *dir) {
  char **names = list_dirs(dir);
  int n = 0;
  for (char **c = names; c && *c; c++, n++) run_classic_case(s, dir, *c);
  free_list(names);
  return n;
}

/* ---- behaviour beyond the vectors ----------------------------------------------------- */

static const bloop_header ddb_headers[] = {
    {"Host", "dynamodb.us-west-2.amazonaws.com"},
    {"Content-Type", "application/x-amz-json-1.0"},
    {"X-Amz-Target", "DynamoDB_20120810.GetItem"},
};

static bloop_sigv4_params base_params(void) {
  bloop_sigv4_params p = {AKID, SECRET, NULL, "us-west-2", "dynamodb", CLASSIC_TIME, 1, 0, 0};
  return p;
}

static bloop_sigv4_request base_request(void) {
  static const char body[] = "{\"TableName\":\"t\"}";
  bloop_sigv4_request r = {"POST", "/", NULL, ddb_headers, 3, body, sizeof body - 1};
  return r;
}

/* Signs with s and returns the signature (static buffer per slot). */
static const char *sign_with(bloop_sigv4 *s, const bloop_sigv4_params *p, int slot) {
  static char sigs[8][65];
  bloop_sigv4_request r = base_request();
  bloop_sigv4_result res;
  bloop_sigv4_result_init(&res);
  bloop_status st = bloop_sigv4_sign(s, p, &r, 0, &res, NULL);
  snprintf(sigs[slot], sizeof sigs[slot], "%s", st == BLOOP_OK ? res.signature : "ERROR");
  bloop_sigv4_result_clear(&res);
  return sigs[slot];
}

/* The signing-key cache must give the same answer as a signer that has never seen the key. */
static const char *fresh_sign(const bloop_sigv4_params *p, int slot) {
  bloop_sigv4 *f = bloop_sigv4_new();
  const char *r = sign_with(f, p, slot);
  bloop_sigv4_free(f);
  return r;
}

static void test_cache(void) {
  bloop_sigv4 *s = bloop_sigv4_new();
  bloop_sigv4_params p = base_params();
  const char *a = sign_with(s, &p, 0);
  CHECK(strlen(a) == 64);
  CHECK_STR(sign_with(s, &p, 1), a);          /* cached key: same signature */
  CHECK_STR(fresh_sign(&p, 2), a);

  bloop_sigv4_params q = p;
  q.time += 86400;                            /* next day: new key */
  const char *b = sign_with(s, &q, 3);
  CHECK(strcmp(b, a) != 0);
  CHECK_STR(fresh_sign(&q, 4), b);
  q.time = p.time + 60;                       /* same day, other time: sig differs, key same */
  CHECK(strcmp(sign_with(s, &q, 3), a) != 0);
  CHECK_STR(sign_with(s, &q, 3), fresh_sign(&q, 4));

  q = p;
  q.region = "eu-west-1";
  b = sign_with(s, &q, 3);
  CHECK(strcmp(b, a) != 0);
  CHECK_STR(b, fresh_sign(&q, 4));

  q = p;
  q.service = "streams";
  b = sign_with(s, &q, 3);
  CHECK(strcmp(b, a) != 0);
  CHECK_STR(b, fresh_sign(&q, 4));

  q = p;
  q.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ"; /* rotated secret */
  b = sign_with(s, &q, 3);
  CHECK(strcmp(b, a) != 0);
  CHECK_STR(b, fresh_sign(&q, 4));

  CHECK_STR(sign_with(s, &p, 5), a);          /* and back again */
  bloop_sigv4_free(s);
}

static const char *creq_of(bloop_sigv4 *s, const char *path, const char *query, int normalize,
                           const bloop_header *h, size_t nh) {
  static char out[2048];
  bloop_sigv4_params p = base_params();
  p.normalize_path = normalize;
  bloop_sigv4_request r = {"GET", path, query, h, nh, NULL, 0};
  bloop_sigv4_result res;
  bloop_sigv4_result_init(&res);
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_error_clear(&err);
  if (bloop_sigv4_sign(s, &p, &r, 1, &res, &err) == BLOOP_OK)
    snprintf(out, sizeof out, "%s", res.canonical_request.data);
  else
    snprintf(out, sizeof out, "ERROR %s", err.message);
  bloop_sigv4_result_clear(&res);
  return out;
}

/* The second (URI) or third (query) line of a canonical request. */
static const char *creq_line(const char *creq, int n) {
  static char line[1024];
  const char *p = creq;
  for (int i = 0; i < n && p; i++) p = strchr(p, '\n'), p = p ? p + 1 : NULL;
  if (!p) return "";
  const char *e = strchr(p, '\n');
  snprintf(line, sizeof line, "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
  return line;
}

static void test_canonical_details(void) {
  bloop_sigv4 *s = bloop_sigv4_new();
  const bloop_header host[] = {{"Host", "h"}};
  static const struct { const char *in, *norm, *raw; } paths[] = {
      {"/", "/", "/"},
      {"", "/", "/"},
      {"/a/b/../c/./d", "/a/c/d", "/a/b/../c/./d"},
      {"/a/b/..", "/a/", "/a/b/.."},
      {"/..", "/", "/.."},
      {"/a//b///", "/a/b/", "/a//b///"},
      {"/a%2Fb", "/a%252Fb", "/a%252Fb"},   /* already-encoded paths are encoded again */
      {"/a+b=c", "/a%2Bb%3Dc", "/a%2Bb%3Dc"},
  };
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    CHECK_STR(creq_line(creq_of(s, paths[i].in, NULL, 1, host, 1), 1), paths[i].norm);
    CHECK_STR(creq_line(creq_of(s, paths[i].in, NULL, 0, host, 1), 1), paths[i].raw);
  }
  static const struct { const char *in, *out; } queries[] = {
      {"b=2&a=1", "a=1&b=2"},
      {"a=2&a=1&a=10", "a=1&a=10&a=2"},
      {"flag&x=", "flag=&x="},
      {"a=1&&b=2&", "a=1&b=2"},
      {"k=a%2fb", "k=a%2Fb"},            /* escapes kept, hex upper-cased */
      {"k=a/b c+d", "k=a%2Fb%20c%2Bd"},
      {"k=%zz", "k=%25zz"},              /* a lone '%' is data */
      {"", ""},
  };
  for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
    CHECK_STR(creq_line(creq_of(s, "/", queries[i].in, 1, host, 1), 2), queries[i].out);

  /* Unsigned headers and value canonicalisation. */
  const bloop_header h[] = {{"Host", "h"},
                            {"User-Agent", "ua/1"},
                            {"X-Amzn-Trace-Id", "Root=1"},
                            {"  X-B  ", "\t two   words\t "},
                            {"x-b", "second"}};
  const char *c = creq_of(s, "/", NULL, 1, h, 5);
  CHECK(strstr(c, "host:h\nx-amz-date:20150830T123600Z\nx-b:two words,second\n\n") != NULL);
  CHECK(strstr(c, "\nhost;x-amz-date;x-b\n") != NULL);
  CHECK(strstr(c, "user-agent") == NULL);
  CHECK(strstr(c, "trace") == NULL);
  bloop_sigv4_free(s);
}

static void test_errors_and_added(void) {
  bloop_sigv4 *s = bloop_sigv4_new();
  bloop_sigv4_params p = base_params();
  bloop_sigv4_request r = base_request();
  bloop_sigv4_result res;
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_sigv4_result_init(&res);

  /* Added headers, in order, with a signed token and a signed body hash. */
  p.session_token = "TOKEN";
  p.sign_body = 1;
  CHECK(bloop_sigv4_sign(s, &p, &r, 0, &res, &err) == BLOOP_OK);
  CHECK(res.nadded == 4);
  CHECK_STR(res.added[0].name, "X-Amz-Date");
  CHECK_STR(res.added[0].value, "20150830T123600Z");
  CHECK_STR(res.added[1].name, "X-Amz-Security-Token");
  CHECK_STR(res.added[1].value, "TOKEN");
  CHECK_STR(res.added[2].name, "x-amz-content-sha256");
  CHECK_STR(res.added[2].value, res.payload_hash);
  CHECK_STR(res.added[3].name, "Authorization");
  CHECK(strstr(res.authorization, "SignedHeaders=content-type;host;x-amz-content-sha256;"
                                  "x-amz-date;x-amz-security-token;x-amz-target, ") != NULL);
  CHECK(res.canonical_request.len == 0);      /* no debug output unless asked */
  /* The token added after signing is still sent, but not signed. */
  p.omit_session_token = 1;
  p.sign_body = 0;
  CHECK(bloop_sigv4_sign(s, &p, &r, 0, &res, &err) == BLOOP_OK); /* result reused */
  CHECK(res.nadded == 3);
  CHECK_STR(res.added[1].name, "X-Amz-Security-Token");
  CHECK(strstr(res.authorization, "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "));
  p = base_params();

  /* Misuse: EINVAL, never the secret in the message. */
  const bloop_header nohost[] = {{"Content-Type", "x"}};
  const bloop_header dupdate[] = {{"Host", "h"}, {"x-amz-date", "20150830T123600Z"}};
  const bloop_header crlf[] = {{"Host", "h"}, {"X-Evil", "a\r\nInjected: 1"}};
  const bloop_header badname[] = {{"Host", "h"}, {"Bad Name", "v"}};
  const bloop_header authz[] = {{"Host", "h"}, {"Authorization", "x"}};
  const struct { const bloop_header *h; size_t n; } bad[] = {
      {nohost, 1}, {dupdate, 2}, {crlf, 2}, {badname, 2}, {authz, 2}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    bloop_sigv4_request br = {"GET", "/", NULL, bad[i].h, bad[i].n, NULL, 0};
    bloop_error_clear(&err);
    CHECK(bloop_sigv4_sign(s, &p, &br, 0, &res, &err) == BLOOP_EINVAL);
    CHECK_STR(err.code, "InvalidArgument");
    CHECK(strstr(err.message, SECRET) == NULL);
    CHECK(res.authorization == NULL && res.nadded == 0);
  }
  bloop_sigv4_params np = p;
  np.secret_access_key = "";
  CHECK(bloop_sigv4_sign(s, &np, &r, 0, &res, &err) == BLOOP_EINVAL);
  np = p;
  np.region = NULL;
  CHECK(bloop_sigv4_sign(s, &np, &r, 0, &res, &err) == BLOOP_EINVAL);
  bloop_sigv4_request nb = r;
  nb.body = NULL;
  CHECK(bloop_sigv4_sign(s, &p, &nb, 0, &res, &err) == BLOOP_EINVAL);
  bloop_sigv4_result_clear(&res);
  bloop_sigv4_free(s);
}

/* RFC 4231 test case 2, and FIPS 180-2's "abc" for the unkeyed form. */
static void test_hmac(void) {
  unsigned char out[32];
  char hex[65];
  CHECK(bloop_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out));
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", out[i]);
  CHECK_MSG(strcmp(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") == 0, hex);
  CHECK(bloop_hmac_sha256(NULL, 0, "abc", 3, out));
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", out[i]);
  CHECK_MSG(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0, hex);
}

int main(void) {
  const char *shared = getenv("BLOOP_SHARED_DIR");
  const char *source = getenv("BLOOP_SOURCE_DIR");
  CHECK_MSG(shared && source, "BLOOP_SHARED_DIR and BLOOP_SOURCE_DIR must be set (ctest does)");
  bloop_sigv4 *s = bloop_sigv4_new();
  CHECK(s != NULL);
  if (shared && source && s) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/sigv4-test-suite/aws-c-auth-v4", shared);
    int n = run_context_set(s, "aws-c-auth-v4", dir);
    tap_note("aws-c-auth-v4: %d cases", n);
    if (n == 0)  /* the vectors are not in this repository: say where they were looked for */
      tap_note("no vectors in %s (AWS's suite comes from ../shared; set BLOOP_SHARED_DIR)", dir);
    CHECK_MSG(n >= 38, "aws-c-auth-v4 has its 38 cases");
    snprintf(dir, sizeof dir, "%s/sigv4-test-suite/aws-sig-v4-test-suite", shared);
    n = run_classic_set(s, dir);
    tap_note("aws-sig-v4-test-suite: %d cases", n);
    CHECK_MSG(n >= 31, "aws-sig-v4-test-suite has its 31 cases");
    snprintf(dir, sizeof dir, "%s/tests/data/sigv4-dynamodb", source);
    n = run_context_set(s, "sigv4-dynamodb", dir);
    tap_note("sigv4-dynamodb: %d cases", n);
    CHECK_MSG(n >= 2, "sigv4-dynamodb has its 2 cases");
  }
  bloop_sigv4_free(s);
  test_cache();
  test_canonical_details();
  test_errors_and_added();
  test_hmac();
  return tap_done();
}
