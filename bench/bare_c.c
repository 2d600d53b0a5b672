/*
 * bench/bare_c.c: the bare-C peer of bench/run. What a C program written by hand for these
 * operations spends: one libcurl easy handle kept alive (the connection pooled), SigV4 signed
 * plainly with OpenSSL's one-shot SHA256()/HMAC() (signing key derived once per day, as the
 * SDKs cache it), request bodies built and answers read with cJSON.
 *
 *   save_us        UpdateItem with "SET #n0 = :v0, ..." over the five non-key attributes, the
 *                  request engine:save sends for a new object
 *   increment_us   UpdateItem "ADD #n0 :v0" on an item's key, one name and one value placeholder
 *                  (a counter: what engine:save sends for a never-loaded object whose one
 *                  column holds bloop.actions.add(1))
 *   put_us         PutItem of the whole item (the low-level client row)
 *   get_us         GetItem by key, the answer parsed and decoded into a C struct
 *   query_item_us  per item of a Query over every page, each item decoded into the struct
 *
 * Client CPU is getrusage(RUSAGE_SELF), user + system. Prints one JSON object.
 * Usage: bare_c ENDPOINT TABLE ROUNDS OPS QUERY_ITEMS
 *
 * A benchmark peer, not library code: errors end the process.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define REGION "us-east-1"
#define ACCESS_KEY "bench"
#define SECRET_KEY "bench"

struct resp {
  char *data;
  size_t len, cap;
};

struct peer {
  CURL *curl;
  char url[256], host[256], table[128];
  char day[9];
  unsigned char signing_key[32];
  struct resp resp;
};

/* the decoded item: the six attributes of the bench models */
struct user {
  char *id, *name, *city;
  double n, zip;
  int ok;
  char *tags[8];
  int ntags;
};

static void die(const char *what) {
  fprintf(stderr, "bare_c: %s\n", what);
  exit(1);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  struct resp *r = ud;
  size_t len = size * n;
  if (r->len + len + 1 > r->cap) {
    r->cap = (r->len + len + 1) * 2;
    r->data = realloc(r->data, r->cap);
    if (!r->data) die("out of memory");
  }
  memcpy(r->data + r->len, p, len);
  r->len += len;
  r->data[r->len] = 0;
  return len;
}

static void hex(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = 0;
}

static void hmac(const unsigned char *key, size_t klen, const char *msg, unsigned char out[32]) {
  unsigned int olen = 32;
  if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &olen))
    die("HMAC failed");
}

static void derive_key(struct peer *p, const char *day) {
  unsigned char k1[32], k2[32];
  char secret[64];
  snprintf(secret, sizeof secret, "AWS4%s", SECRET_KEY);
  hmac((const unsigned char *)secret, strlen(secret), day, k1);
  hmac(k1, 32, REGION, k2);
  hmac(k2, 32, "dynamodb", k1);
  hmac(k1, 32, "aws4_request", p->signing_key);
  memcpy(p->day, day, 9);
}

/* POST one DynamoDB call; the answer's body lands in p->resp */
static void call(struct peer *p, const char *target, const char *body) {
  size_t blen = strlen(body);
  char amzdate[17], day[9];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(amzdate, sizeof amzdate, "%Y%m%dT%H%M%SZ", &tm);
  memcpy(day, amzdate, 8);
  day[8] = 0;
  if (strcmp(day, p->day) != 0) derive_key(p, day);

  unsigned char digest[32];
  char body_hash[65], creq_hash[65], sig[65];
  SHA256((const unsigned char *)body, blen, digest);
  hex(digest, 32, body_hash);
  char creq[1024];
  snprintf(creq, sizeof creq,
           "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:%s\nx-amz-date:%s\n"
           "x-amz-target:DynamoDB_20120810.%s\n\ncontent-type;host;x-amz-date;x-amz-target\n%s",
           p->host, amzdate, target, body_hash);
  SHA256((const unsigned char *)creq, strlen(creq), digest);
  hex(digest, 32, creq_hash);
  char sts[256];
  snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s/" REGION "/dynamodb/aws4_request\n%s",
           amzdate, day, creq_hash);
  hmac(p->signing_key, 32, sts, digest);
  hex(digest, 32, sig);

  char h_target[96], h_date[48], h_auth[320];
  snprintf(h_target, sizeof h_target, "X-Amz-Target: DynamoDB_20120810.%s", target);
  snprintf(h_date, sizeof h_date, "X-Amz-Date: %s", amzdate);
  snprintf(h_auth, sizeof h_auth,
           "Authorization: AWS4-HMAC-SHA256 Credential=" ACCESS_KEY "/%s/" REGION
           "/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
           "Signature=%s",
           day, sig);
  struct curl_slist *h = NULL;
  h = curl_slist_append(h, "Content-Type: application/x-amz-json-1.0");
  h = curl_slist_append(h, h_target);
  h = curl_slist_append(h, h_date);
  h = curl_slist_append(h, h_auth);
  h = curl_slist_append(h, "Expect:");

  p->resp.len = 0;
  curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE, (long)blen);
  CURLcode rc = curl_easy_perform(p->curl);
  curl_slist_free_all(h);
  if (rc != CURLE_OK) die(curl_easy_strerror(rc));
  long status = 0;
  curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    fprintf(stderr, "bare_c: %s answered %ld: %.*s\n", target, status, (int)p->resp.len,
            p->resp.data ? p->resp.data : "");
    exit(1);
  }
}

static cJSON *typed(const char *tag, cJSON *v) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, tag, v);
  return o;
}

static cJSON *num(double n) {
  char s[32];
  snprintf(s, sizeof s, "%.17g", n);
  return typed("N", cJSON_CreateString(s));
}

/* the five non-key attributes of user i, in wire form, in the engine's column order */
static void values_of(int i, cJSON *dst[5]) {
  char name[32];
  snprintf(name, sizeof name, "name %d", i);
  const char *tags[] = {"a", "b", "c"};
  cJSON *info = cJSON_CreateObject();
  cJSON_AddItemToObject(info, "city", typed("S", cJSON_CreateString("Oslo")));
  cJSON_AddItemToObject(info, "zip", num(1234));
  dst[0] = num(1000 + i);
  dst[1] = typed("BOOL", cJSON_CreateBool(i % 2 == 0));
  dst[2] = typed("SS", cJSON_CreateStringArray(tags, 3));
  dst[3] = typed("M", info);
  dst[4] = typed("S", cJSON_CreateString(name));
}

static const char *const names[5] = {"n", "ok", "tags", "info", "name"};

static void key_of(cJSON *req, int i) {
  char id[32];
  snprintf(id, sizeof id, "user-%d", i);
  cJSON *key = cJSON_AddObjectToObject(req, "Key");
  cJSON_AddItemToObject(key, "id", typed("S", cJSON_CreateString(id)));
}

static void send_json(struct peer *p, const char *target, cJSON *req) {
  char *body = cJSON_PrintUnformatted(req);
  cJSON_Delete(req);
  call(p, target, body);
  cJSON_free(body);
}

static void save(struct peer *p, int i) {
  cJSON *req = cJSON_CreateObject(), *v[5];
  cJSON_AddStringToObject(req, "TableName", p->table);
  key_of(req, i);
  values_of(i, v);
  char expr[128] = "SET ", ph[16];
  cJSON *en = cJSON_AddObjectToObject(req, "ExpressionAttributeNames");
  cJSON *ev = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
  for (int j = 0; j < 5; j++) {
    char clause[32];
    snprintf(clause, sizeof clause, "%s#n%d = :v%d", j ? ", " : "", j, j);
    strcat(expr, clause);
    snprintf(ph, sizeof ph, "#n%d", j);
    cJSON_AddStringToObject(en, ph, names[j]);
    snprintf(ph, sizeof ph, ":v%d", j);
    cJSON_AddItemToObject(ev, ph, v[j]);
  }
  cJSON_AddStringToObject(req, "UpdateExpression", expr);
  send_json(p, "UpdateItem", req);
}

static void increment(struct peer *p, int i) {
  cJSON *req = cJSON_CreateObject();
  cJSON_AddStringToObject(req, "TableName", p->table);
  key_of(req, i);
  cJSON_AddStringToObject(req, "UpdateExpression", "ADD #n0 :v0");
  cJSON_AddStringToObject(cJSON_AddObjectToObject(req, "ExpressionAttributeNames"), "#n0", "n");
  cJSON_AddItemToObject(cJSON_AddObjectToObject(req, "ExpressionAttributeValues"), ":v0", num(1));
  send_json(p, "UpdateItem", req);
}

static void put(struct peer *p, int i) {
  cJSON *req = cJSON_CreateObject(), *v[5];
  char id[32];
  snprintf(id, sizeof id, "user-%d", i);
  cJSON_AddStringToObject(req, "TableName", p->table);
  cJSON *item = cJSON_AddObjectToObject(req, "Item");
  cJSON_AddItemToObject(item, "id", typed("S", cJSON_CreateString(id)));
  values_of(i, v);
  for (int j = 0; j < 5; j++) cJSON_AddItemToObject(item, names[j], v[j]);
  send_json(p, "PutItem", req);
}

static const char *str_of(const cJSON *attr, const char *tag) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(attr, tag);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* wire item -> struct user (strings copied: the object outlives the parsed answer) */
static void decode(const cJSON *item, struct user *u) {
  memset(u, 0, sizeof *u);
  const char *s;
  u->id = dup_or_null(str_of(cJSON_GetObjectItemCaseSensitive(item, "id"), "S"));
  u->name = dup_or_null(str_of(cJSON_GetObjectItemCaseSensitive(item, "name"), "S"));
  if ((s = str_of(cJSON_GetObjectItemCaseSensitive(item, "n"), "N"))) u->n = strtod(s, NULL);
  const cJSON *ok = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(item, "ok"), "BOOL");
  u->ok = cJSON_IsTrue(ok);
  const cJSON *tags = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(item, "tags"), "SS");
  const cJSON *t;
  cJSON_ArrayForEach(t, tags) {
    if (u->ntags < 8 && cJSON_IsString(t)) u->tags[u->ntags++] = strdup(t->valuestring);
  }
  const cJSON *info = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(item, "info"), "M");
  u->city = dup_or_null(str_of(cJSON_GetObjectItemCaseSensitive(info, "city"), "S"));
  if ((s = str_of(cJSON_GetObjectItemCaseSensitive(info, "zip"), "N"))) u->zip = strtod(s, NULL);
}

static void user_free(struct user *u) {
  free(u->id);
  free(u->name);
  free(u->city);
  for (int i = 0; i < u->ntags; i++) free(u->tags[i]);
}

static void get(struct peer *p, int i) {
  cJSON *req = cJSON_CreateObject();
  cJSON_AddStringToObject(req, "TableName", p->table);
  key_of(req, i);
  send_json(p, "GetItem", req);
  cJSON *ans = cJSON_ParseWithLength(p->resp.data, p->resp.len);
  if (!ans) die("GetItem: unparsable answer");
  struct user u;
  decode(cJSON_GetObjectItemCaseSensitive(ans, "Item"), &u);
  if (!u.id || u.ntags != 3) die("GetItem: unexpected item");
  user_free(&u);
  cJSON_Delete(ans);
}

/* every page of the query; returns the number of items decoded */
static int query_all(struct peer *p) {
  char qtable[160];
  snprintf(qtable, sizeof qtable, "%s-q", p->table);
  cJSON *start = NULL;
  int n = 0;
  do {
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "TableName", qtable);
    cJSON_AddStringToObject(req, "KeyConditionExpression", "pk = :p");
    cJSON *ev = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
    cJSON_AddItemToObject(ev, ":p", typed("S", cJSON_CreateString("q")));
    if (start) cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
    send_json(p, "Query", req);
    cJSON *ans = cJSON_ParseWithLength(p->resp.data, p->resp.len);
    if (!ans) die("Query: unparsable answer");
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(ans, "Items")) {
      struct user u;
      decode(item, &u);
      user_free(&u);
      n++;
    }
    start = cJSON_DetachItemFromObjectCaseSensitive(ans, "LastEvaluatedKey");
    cJSON_Delete(ans);
  } while (start);
  return n;
}

static double cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_usec;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *s, int n) {
  qsort(s, (size_t)n, sizeof *s, cmp);
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void print_rounds(const double *s, int n) {
  printf("[");
  for (int i = 0; i < n; i++) printf("%s%.3f", i ? ", " : "", s[i]);
  printf("]");
}

int main(int argc, char **argv) {
  if (argc < 6) die("usage: bare_c ENDPOINT TABLE ROUNDS OPS QUERY_ITEMS [ONLY]");
  /* ONLY (save, increment, put or get): that operation alone, its one measure printed (perf,
   * callgrind, or timing one operation over many processes) */
  const char *only = argc > 6 ? argv[6] : NULL;
  int rounds = atoi(argv[3]), ops = atoi(argv[4]), qitems = atoi(argv[5]);
  if (rounds < 1 || rounds > 64 || ops < 1) die("bad ROUNDS or OPS");
  static struct peer p;
  snprintf(p.url, sizeof p.url, "%s/", argv[1]);
  const char *h = strstr(argv[1], "://");
  snprintf(p.host, sizeof p.host, "%s", h ? h + 3 : argv[1]);
  snprintf(p.table, sizeof p.table, "%s", argv[2]);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  p.curl = curl_easy_init();
  curl_easy_setopt(p.curl, CURLOPT_URL, p.url);
  curl_easy_setopt(p.curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(p.curl, CURLOPT_WRITEDATA, &p.resp);
  curl_easy_setopt(p.curl, CURLOPT_NOSIGNAL, 1L);

  for (int i = 0; i < 300; i++) save(&p, i % ops); /* warm: allocator, the connection */

  enum { NK = 4 };   /* per-call measures; the query is the last row of all[] */
  static const char *const keys[NK] = {"save_us", "increment_us", "put_us", "get_us"};
  void (*const fns[NK])(struct peer *, int) = {save, increment, put, get};
  double all[NK + 1][64], med[NK + 1];
  if (only) {
    char want[32];
    snprintf(want, sizeof want, "%s_us", only);
    int k = 0;
    while (k < NK && strcmp(keys[k], want) != 0) k++;
    if (k == NK) die("ONLY: save, increment, put or get");
    double c0 = cpu_us();
    for (int i = 1; i <= ops; i++) fns[k](&p, i);
    printf("{\"%s\": %.2f}\n", keys[k], (cpu_us() - c0) / ops);
    goto done;
  }
  for (int k = 0; k < NK; k++) {
    for (int r = 0; r < rounds; r++) {
      double c0 = cpu_us();
      for (int i = 1; i <= ops; i++) fns[k](&p, i);
      all[k][r] = (cpu_us() - c0) / ops;
    }
    double s[64];
    memcpy(s, all[k], sizeof s);
    med[k] = median(s, rounds);
  }
  query_all(&p); /* warm: the first pass over the pages grows the heap (page faults) */
  for (int r = 0; r < rounds; r++) {
    double c0 = cpu_us();
    int n = query_all(&p);
    if (n != qitems) die("query returned an unexpected number of items");
    all[NK][r] = (cpu_us() - c0) / n;
  }
  double s[64];
  memcpy(s, all[NK], sizeof s);
  med[NK] = median(s, rounds);

  printf("{\"peer\": \"bare C (libcurl %s, cJSON %s, %s)\"", curl_version_info(CURLVERSION_NOW)->version,
         cJSON_Version(), OpenSSL_version(OPENSSL_VERSION));
  for (int k = 0; k < NK; k++) printf(", \"%s\": %.3f", keys[k], med[k]);
  printf(", \"query_item_us\": %.3f, \"rounds\": [", med[NK]);
  for (int k = 0; k <= NK; k++) {
    if (k) printf(", ");
    print_rounds(all[k], rounds);
  }
  printf("]}\n");
done:
  curl_easy_cleanup(p.curl);
  free(p.resp.data);
  curl_global_cleanup();
  return 0;
}
