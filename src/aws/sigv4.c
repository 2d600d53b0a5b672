/*
 * sigv4.c: AWS Signature Version 4, Authorization-header flavour. See include/bloop/sigv4.h.
 *
 * The signature is built in small steps, each appending to a buffer kept in the bloop_sigv4
 * object (so a warm signer does not allocate per call): canonical URI, canonical query,
 * canonical headers + signed headers, payload hash, string to sign, signing key (cached per
 * secret/date/region/service), signature. Every step either succeeds or jumps to the one
 * `fail:` label in bloop_sigv4_sign.
 */
#include "bloop/sigv4.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define SHA256_LEN 32
#define ALGORITHM "AWS4-HMAC-SHA256"

/* One header entry as the canonicaliser sees it: trimmed name (not yet lower-cased),
 * raw value, and arrival order so that duplicates keep their order after sorting. */
typedef struct sv_header {
  const char *name;
  size_t name_len;
  const char *value;
  size_t value_len;
  size_t order;
} sv_header;

/* One query parameter, encoded: offsets into s->qbuf while it grows, then pointers. */
typedef struct sv_param {
  size_t key_off, key_len, val_off, val_len;
  const char *key, *val;
} sv_param;

struct bloop_sigv4 {
  EVP_MD *sha256;
  EVP_MAC *hmac;
  EVP_MAC_CTX *mac;
  EVP_MAC_CTX *signer;  /* keyed with `key` while key_valid: re-initialised, not re-keyed */
  EVP_MD_CTX *md;

  /* The derived key for one (secret, date, region, service). The secret itself is not
   * kept: only its SHA-256, so a later call can tell whether the key still applies. */
  int key_valid;
  unsigned char key[SHA256_LEN];
  unsigned char secret_hash[SHA256_LEN];
  char key_date[9];
  char *key_region;
  char *key_service;

  /* Scratch reused across calls. */
  bloop_buf creq;
  bloop_buf sts;
  bloop_buf qbuf;
  bloop_buf signed_headers;
  sv_header *hdrs;
  size_t hdrs_cap;
  sv_param *params;
  size_t params_cap;
};

/* Headers a proxy or the transport may add, drop or rewrite: signing them would make a
 * valid request fail verification (the same list botocore and aws-c-auth leave out). */
static const char *const unsigned_headers[] = {"user-agent", "x-amzn-trace-id", "expect",
                                               "connection", "transfer-encoding", NULL};

/* ---- small helpers ------------------------------------------------------------------ */

static int is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

static int is_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_space(unsigned char c) { return c == ' ' || c == '\t'; }

static unsigned char lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static void hex_encode(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static void put_pct(bloop_buf *b, unsigned char c) {
  static const char digits[] = "0123456789ABCDEF";
  char t[3] = {'%', digits[c >> 4], digits[c & 15]};
  bloop_buf_append(b, t, 3);
}

/* Case-insensitive name match against a lower-case literal. */
static int name_is(const char *name, size_t len, const char *lit) {
  size_t n = strlen(lit);
  if (len != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower((unsigned char)name[i]) != (unsigned char)lit[i]) return 0;
  return 1;
}

static int sha256(bloop_sigv4 *s, const void *data, size_t len, unsigned char out[SHA256_LEN]) {
  unsigned int n = 0;
  return EVP_DigestInit_ex2(s->md, s->sha256, NULL) == 1 &&
         EVP_DigestUpdate(s->md, data, len) == 1 && EVP_DigestFinal_ex(s->md, out, &n) == 1 &&
         n == SHA256_LEN;
}

/* key == NULL restarts ctx with the key it already holds: HMAC keeps the padded-key digest
 * states, so a restart is two state copies where a new key costs two extra compressions and
 * the parameter plumbing of EVP_MAC_init (profile #7). */
static int hmac(EVP_MAC_CTX *ctx, const unsigned char *key, size_t key_len, const void *data,
                size_t len, unsigned char out[SHA256_LEN]) {
  size_t n = 0;
  return EVP_MAC_init(ctx, key, key_len, NULL) == 1 && EVP_MAC_update(ctx, data, len) == 1 &&
         EVP_MAC_final(ctx, out, &n, SHA256_LEN) == 1 && n == SHA256_LEN;
}

/* Appends p[0..n) lower-cased. */
static void put_lower(bloop_buf *b, const char *p, size_t n) {
  if (bloop_buf_reserve(b, n) != BLOOP_OK) return;
  char *d = b->data + b->len;
  for (size_t i = 0; i < n; i++) d[i] = (char)lower((unsigned char)p[i]);
  b->len += n;
  b->data[b->len] = '\0';
}

/* ---- lifetime ----------------------------------------------------------------------- */

bloop_sigv4 *bloop_sigv4_new(void) {
  bloop_sigv4 *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  char digest[] = "SHA256";
  OSSL_PARAM params[2];
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
  params[1] = OSSL_PARAM_construct_end();

  s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  s->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  if (!s->sha256 || !s->hmac) goto fail;
  s->mac = EVP_MAC_CTX_new(s->hmac);
  s->signer = EVP_MAC_CTX_new(s->hmac);
  s->md = EVP_MD_CTX_new();
  if (!s->mac || !s->signer || !s->md) goto fail;
  /* The digest is set once; each HMAC afterwards only supplies a new key. */
  if (EVP_MAC_CTX_set_params(s->mac, params) != 1 ||
      EVP_MAC_CTX_set_params(s->signer, params) != 1)
    goto fail;
  bloop_buf_init(&s->creq);
  bloop_buf_init(&s->sts);
  bloop_buf_init(&s->qbuf);
  bloop_buf_init(&s->signed_headers);
  return s;
fail:
  bloop_sigv4_free(s);
  return NULL;
}

void bloop_sigv4_free(bloop_sigv4 *s) {
  if (!s) return;
  OPENSSL_cleanse(s->key, sizeof s->key);
  OPENSSL_cleanse(s->secret_hash, sizeof s->secret_hash);
  EVP_MAC_CTX_free(s->mac);  /* EVP_MAC_CTX_free cleanses the HMAC key state itself */
  EVP_MAC_CTX_free(s->signer);
  EVP_MAC_free(s->hmac);
  EVP_MD_CTX_free(s->md);
  EVP_MD_free(s->sha256);
  free(s->key_region);
  free(s->key_service);
  bloop_buf_free(&s->creq);
  bloop_buf_free(&s->sts);
  bloop_buf_free(&s->qbuf);
  bloop_buf_free(&s->signed_headers);
  free(s->hdrs);
  free(s->params);
  free(s);
}

void bloop_sigv4_result_init(bloop_sigv4_result *r) {
  memset(r, 0, sizeof *r);
  bloop_buf_init(&r->canonical_request);
  bloop_buf_init(&r->string_to_sign);
}

void bloop_sigv4_result_clear(bloop_sigv4_result *r) {
  if (!r) return;
  free(r->authorization);
  bloop_buf_free(&r->canonical_request);
  bloop_buf_free(&r->string_to_sign);
  bloop_sigv4_result_init(r);
}

/* ---- canonical URI ------------------------------------------------------------------ */

/* Appends one path segment, percent-encoded: everything but unreserved bytes is encoded,
 * '%' included. The path arrives as it goes on the wire, so services other than S3 see it
 * encoded twice, which is what they verify against. */
static void put_segment(bloop_buf *b, const char *p, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t run = i;
    while (run < n && is_unreserved((unsigned char)p[run])) run++;
    if (run > i) bloop_buf_append(b, p + i, run - i);
    if (run < n) put_pct(b, (unsigned char)p[run++]);
    i = run;
  }
}

static void put_raw_path(bloop_buf *b, const char *path) {
  if (*path != '/') bloop_buf_putc(b, '/');
  for (const char *p = path; *p;) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    put_segment(b, p, n);
    if (!slash) break;
    bloop_buf_putc(b, '/');
    p = slash + 1;
  }
}

/* RFC 3986 remove_dot_segments plus collapsing of empty segments ("//"). Segments are kept
 * as (start, length) pairs in a stack on the heap; the result ends with '/' when the input
 * did or when its last segment was "." or "..", as in the RFC. */
static bloop_status put_normalized_path(bloop_buf *b, const char *path) {
  size_t cap = 1;
  for (const char *p = path; *p; p++)
    if (*p == '/') cap++;
  const char **seg = malloc(cap * sizeof *seg);
  size_t *seglen = malloc(cap * sizeof *seglen);
  if (!seg || !seglen) {
    free(seg);
    free(seglen);
    return BLOOP_ENOMEM;
  }
  size_t nseg = 0;
  int trailing = 1;
  for (const char *p = path;;) {
    while (*p == '/') p++;
    if (!*p) break;
    const char *end = strchr(p, '/');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    trailing = end != NULL;
    if (n == 1 && p[0] == '.') {
      trailing = 1;
    } else if (n == 2 && p[0] == '.' && p[1] == '.') {
      if (nseg) nseg--;
      trailing = 1;
    } else {
      seg[nseg] = p;
      seglen[nseg++] = n;
    }
    if (!end) break;
    p = end;
  }
  bloop_buf_putc(b, '/');
  for (size_t i = 0; i < nseg; i++) {
    put_segment(b, seg[i], seglen[i]);
    if (i + 1 < nseg || trailing) bloop_buf_putc(b, '/');
  }
  free(seg);
  free(seglen);
  return BLOOP_OK;
}

/* ---- canonical query ---------------------------------------------------------------- */

static char upper(char c) { return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c; }

/* Query components keep existing %XX escapes (hex upper-cased) and encode every other
 * byte that is not unreserved, so "%E1%88%B4" and raw UTF-8 canonicalise the same way. */
static void put_query_component(bloop_buf *b, const char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (is_unreserved(c)) {
      size_t run = i + 1;
      while (run < n && is_unreserved((unsigned char)p[run])) run++;
      bloop_buf_append(b, p + i, run - i);
      i = run - 1;
    } else if (c == '%' && i + 2 < n && is_hex((unsigned char)p[i + 1]) &&
               is_hex((unsigned char)p[i + 2])) {
      char t[3] = {'%', upper(p[i + 1]), upper(p[i + 2])};
      bloop_buf_append(b, t, 3);
      i += 2;
    } else {
      put_pct(b, c);
    }
  }
}

static int param_cmp(const void *a, const void *b) {
  const sv_param *x = a, *y = b;
  size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = memcmp(x->key, y->key, n);
  if (c) return c;
  if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
  n = x->val_len < y->val_len ? x->val_len : y->val_len;
  c = memcmp(x->val, y->val, n);
  if (c) return c;
  if (x->val_len != y->val_len) return x->val_len < y->val_len ? -1 : 1;
  return 0;
}

static bloop_status grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return BLOOP_OK;
  size_t n = *cap ? *cap : 8;
  while (n < need) n *= 2;
  void *p = realloc(*arr, n * elem);
  if (!p) return BLOOP_ENOMEM;
  *arr = p;
  *cap = n;
  return BLOOP_OK;
}

/* Appends the canonical query string (possibly empty) to s->creq. */
static bloop_status put_canonical_query(bloop_sigv4 *s, const char *query) {
  size_t n = 0, count = 1;
  if (!query || !*query) return BLOOP_OK;
  for (const char *p = query; *p; p++)
    if (*p == '&') count++;
  if (grow((void **)&s->params, &s->params_cap, count, sizeof *s->params)) return BLOOP_ENOMEM;

  bloop_buf_reset(&s->qbuf);
  for (const char *p = query;;) {
    const char *amp = strchr(p, '&');
    size_t len = amp ? (size_t)(amp - p) : strlen(p);
    if (len) { /* "a=1&&b=2": an empty piece is no parameter */
      const char *eq = memchr(p, '=', len);
      size_t klen = eq ? (size_t)(eq - p) : len;
      sv_param *q = &s->params[n++];
      q->key_off = s->qbuf.len;
      put_query_component(&s->qbuf, p, klen);
      q->key_len = s->qbuf.len - q->key_off;
      q->val_off = s->qbuf.len;
      if (eq) put_query_component(&s->qbuf, eq + 1, len - klen - 1);
      q->val_len = s->qbuf.len - q->val_off;
    }
    if (!amp) break;
    p = amp + 1;
  }
  if (s->qbuf.failed) return BLOOP_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    s->params[i].key = s->qbuf.data + s->params[i].key_off;
    s->params[i].val = s->qbuf.data + s->params[i].val_off;
  }
  qsort(s->params, n, sizeof *s->params, param_cmp);
  for (size_t i = 0; i < n; i++) {
    if (i) bloop_buf_putc(&s->creq, '&');
    bloop_buf_append(&s->creq, s->params[i].key, s->params[i].key_len);
    bloop_buf_putc(&s->creq, '=');
    bloop_buf_append(&s->creq, s->params[i].val, s->params[i].val_len);
  }
  return BLOOP_OK;
}

/* ---- canonical headers -------------------------------------------------------------- */

/* Sorts by lower-cased name (byte order), then arrival order: duplicates stay in the order
 * they were given, which is the order their values are joined in. */
static int header_cmp(const void *a, const void *b) {
  const sv_header *x = a, *y = b;
  size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
  for (size_t i = 0; i < n; i++) {
    unsigned char cx = lower((unsigned char)x->name[i]), cy = lower((unsigned char)y->name[i]);
    if (cx != cy) return cx < cy ? -1 : 1;
  }
  if (x->name_len != y->name_len) return x->name_len < y->name_len ? -1 : 1;
  return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

static int same_name(const sv_header *x, const sv_header *y) {
  if (x->name_len != y->name_len) return 0;
  for (size_t i = 0; i < x->name_len; i++)
    if (lower((unsigned char)x->name[i]) != lower((unsigned char)y->name[i])) return 0;
  return 1;
}

/* Value trimmed, inner runs of spaces and tabs collapsed to one space (quotes included). */
static void put_header_value(bloop_buf *b, const char *v, size_t n) {
  size_t i = 0;
  while (i < n && is_space((unsigned char)v[i])) i++;
  while (n > i && is_space((unsigned char)v[n - 1])) n--;
  while (i < n) {
    size_t run = i;
    while (run < n && !is_space((unsigned char)v[run])) run++;
    bloop_buf_append(b, v + i, run - i);
    if (run == n) break;
    while (is_space((unsigned char)v[run])) run++;  /* stops inside: v[n - 1] is no space */
    bloop_buf_putc(b, ' ');
    i = run;
  }
}

static void add_header(bloop_sigv4 *s, size_t *n, const char *name, const char *value) {
  sv_header *h = &s->hdrs[*n];
  h->name = name;
  h->name_len = strlen(name);
  h->value = value;
  h->value_len = strlen(value);
  h->order = *n;
  (*n)++;
}

/* Checks the caller's headers and collects those to sign into s->hdrs. */
static bloop_status collect_headers(bloop_sigv4 *s, const bloop_sigv4_params *pr,
                                    const bloop_sigv4_request *req, int add_token,
                                    size_t *count, bloop_error *err) {
  size_t n = 0;
  int have_host = 0;
  if (grow((void **)&s->hdrs, &s->hdrs_cap, req->nheaders + 3, sizeof *s->hdrs))
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory signing a request");
  for (size_t i = 0; i < req->nheaders; i++) {
    const char *name = req->headers[i].name, *value = req->headers[i].value;
    if (!name || !value)
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                             "sigv4: header %zu has a NULL name or value", i);
    while (is_space((unsigned char)*name)) name++;
    size_t len = strlen(name);
    while (len && is_space((unsigned char)name[len - 1])) len--;
    if (!len || strpbrk(value, "\r\n"))
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                             "sigv4: header %zu has an empty name or a line break in its value",
                             i);
    for (size_t j = 0; j < len; j++) {
      unsigned char c = (unsigned char)name[j];
      if (c <= ' ' || c == ':' || c >= 127)
        return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                               "sigv4: header name \"%.*s\" is not a token", (int)len, name);
    }
    /* Headers the signer adds itself: a second copy would sign one value and send two. */
    if (name_is(name, len, "authorization") || name_is(name, len, "x-amz-date") ||
        (add_token && name_is(name, len, "x-amz-security-token")) ||
        (pr->sign_body && name_is(name, len, "x-amz-content-sha256")))
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                             "sigv4: the request already has a %.*s header; the signer adds it",
                             (int)len, name);
    if (name_is(name, len, "host")) have_host = 1;
    int skip = 0;
    for (const char *const *u = unsigned_headers; *u; u++)
      if (name_is(name, len, *u)) skip = 1;
    if (skip) continue;
    s->hdrs[n].name = name;
    s->hdrs[n].name_len = len;
    s->hdrs[n].value = value;
    s->hdrs[n].value_len = strlen(value);
    s->hdrs[n].order = n;
    n++;
  }
  if (!have_host)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                           "sigv4: the request has no Host header");
  *count = n;
  return BLOOP_OK;
}

/* Appends "name:value\n" lines and leaves "a;b;c" in s->signed_headers. */
static void put_canonical_headers(bloop_sigv4 *s, size_t n) {
  qsort(s->hdrs, n, sizeof *s->hdrs, header_cmp);
  bloop_buf_reset(&s->signed_headers);
  for (size_t i = 0; i < n; i++) {
    const sv_header *h = &s->hdrs[i];
    if (i && same_name(h, &s->hdrs[i - 1])) {
      bloop_buf_putc(&s->creq, ',');
    } else {
      if (i) {
        bloop_buf_putc(&s->creq, '\n');
        bloop_buf_putc(&s->signed_headers, ';');
      }
      put_lower(&s->signed_headers, h->name, h->name_len);
      if (!s->signed_headers.failed) /* the name just appended, copied to the request */
        bloop_buf_append(&s->creq, s->signed_headers.data + s->signed_headers.len - h->name_len,
                         h->name_len);
      bloop_buf_putc(&s->creq, ':');
    }
    put_header_value(&s->creq, h->value, h->value_len);
  }
  bloop_buf_putc(&s->creq, '\n');
}

/* ---- signing key -------------------------------------------------------------------- */

static int cache_matches(const bloop_sigv4 *s, const unsigned char *secret_hash,
                         const char *date, const char *region, const char *service) {
  return s->key_valid && CRYPTO_memcmp(s->secret_hash, secret_hash, SHA256_LEN) == 0 &&
         strcmp(s->key_date, date) == 0 && strcmp(s->key_region, region) == 0 &&
         strcmp(s->key_service, service) == 0;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"),
 * derived once per day and scope; the secret hash tells a rotated secret apart. */
static bloop_status signing_key(bloop_sigv4 *s, const bloop_sigv4_params *pr, const char *date,
                                bloop_error *err) {
  unsigned char h[SHA256_LEN], k[SHA256_LEN];
  unsigned char *first = NULL;
  size_t slen = strlen(pr->secret_access_key);
  bloop_status st = BLOOP_OK;

  if (!sha256(s, pr->secret_access_key, slen, h)) goto crypto_fail;
  if (cache_matches(s, h, date, pr->region, pr->service)) return BLOOP_OK;

  s->key_valid = 0;
  first = malloc(slen + 4);
  if (!first) {
    st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory signing a request");
    goto done;
  }
  memcpy(first, "AWS4", 4);
  memcpy(first + 4, pr->secret_access_key, slen);
  if (!hmac(s->mac, first, slen + 4, date, strlen(date), k) ||
      !hmac(s->mac, k, SHA256_LEN, pr->region, strlen(pr->region), k) ||
      !hmac(s->mac, k, SHA256_LEN, pr->service, strlen(pr->service), k) ||
      !hmac(s->mac, k, SHA256_LEN, "aws4_request", 12, s->key))
    goto crypto_fail;
  /* Key the signature context once per day and scope; each signature then restarts it. */
  if (EVP_MAC_init(s->signer, s->key, SHA256_LEN, NULL) != 1) goto crypto_fail;

  char *region = strdup(pr->region), *service = strdup(pr->service);
  if (!region || !service) {
    free(region);
    free(service);
    st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory signing a request");
    goto done;
  }
  free(s->key_region);
  free(s->key_service);
  s->key_region = region;
  s->key_service = service;
  memcpy(s->secret_hash, h, SHA256_LEN);
  memcpy(s->key_date, date, sizeof s->key_date);
  s->key_valid = 1;
  goto done;

crypto_fail:
  st = bloop_error_set(err, BLOOP_EINVAL, "CryptoError", "sigv4: OpenSSL HMAC/SHA-256 failed");
done:
  if (first) {
    OPENSSL_cleanse(first, slen + 4);
    free(first);
  }
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(h, sizeof h);
  return st;
}

/* ---- the signature ------------------------------------------------------------------ */

static int nonempty(const char *s) { return s && *s; }

/* "20150830/us-east-1/dynamodb/aws4_request" */
static void put_scope(bloop_buf *b, const char *date, const bloop_sigv4_params *pr) {
  bloop_buf_append(b, date, 8);
  bloop_buf_putc(b, '/');
  bloop_buf_puts(b, pr->region);
  bloop_buf_putc(b, '/');
  bloop_buf_puts(b, pr->service);
  bloop_buf_append(b, "/aws4_request", 13);
}

static bloop_status check_params(const bloop_sigv4_params *pr, const bloop_sigv4_request *req,
                                 bloop_error *err) {
  if (!nonempty(pr->access_key_id) || !nonempty(pr->secret_access_key))
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                           "sigv4: access key id and secret access key are required");
  if (!nonempty(pr->region) || !nonempty(pr->service))
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                           "sigv4: region and service are required");
  if (strpbrk(pr->region, "/ \t\r\n") || strpbrk(pr->service, "/ \t\r\n") ||
      strpbrk(pr->access_key_id, "/ \t\r\n,"))
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                           "sigv4: access key id, region or service contains '/', ',' or "
                           "whitespace");
  if (pr->session_token && strpbrk(pr->session_token, "\r\n"))
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                           "sigv4: the session token contains a line break");
  if (!nonempty(req->method) || !req->path || (!req->headers && req->nheaders) ||
      (!req->body && req->body_len))
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                           "sigv4: request needs a method, a path, and a body when body_len > 0");
  return BLOOP_OK;
}

/* What the steps below can fail with, turned into an error in one place by the caller. */
enum { STEP_OK = 0, STEP_NOMEM, STEP_CRYPTO };

/* Task 1 of the spec: the canonical request, into s->creq. */
static int put_canonical_request(bloop_sigv4 *s, const bloop_sigv4_params *pr,
                                 const bloop_sigv4_request *req, size_t nh,
                                 const char *payload_hash) {
  bloop_buf_reset(&s->creq);
  bloop_buf_puts(&s->creq, req->method);
  bloop_buf_putc(&s->creq, '\n');
  if (pr->normalize_path) {
    if (put_normalized_path(&s->creq, req->path)) return STEP_NOMEM;
  } else {
    put_raw_path(&s->creq, req->path);
  }
  bloop_buf_putc(&s->creq, '\n');
  if (put_canonical_query(s, req->query)) return STEP_NOMEM;
  bloop_buf_putc(&s->creq, '\n');
  put_canonical_headers(s, nh);
  bloop_buf_putc(&s->creq, '\n');
  bloop_buf_append(&s->creq, s->signed_headers.data, s->signed_headers.len);
  bloop_buf_putc(&s->creq, '\n');
  bloop_buf_puts(&s->creq, payload_hash);
  return s->creq.failed || s->signed_headers.failed ? STEP_NOMEM : STEP_OK;
}

/* Task 2: the string to sign, into s->sts, from the canonical request in s->creq. */
static int put_string_to_sign(bloop_sigv4 *s, const bloop_sigv4_params *pr,
                              const char *amz_date, const char *date) {
  unsigned char digest[SHA256_LEN];
  char creq_hash[2 * SHA256_LEN + 1];
  if (!sha256(s, s->creq.data, s->creq.len, digest)) return STEP_CRYPTO;
  hex_encode(digest, SHA256_LEN, creq_hash);
  bloop_buf_reset(&s->sts);
  bloop_buf_append(&s->sts, ALGORITHM "\n", sizeof ALGORITHM);
  bloop_buf_append(&s->sts, amz_date, 16);
  bloop_buf_putc(&s->sts, '\n');
  put_scope(&s->sts, date, pr);
  bloop_buf_putc(&s->sts, '\n');
  bloop_buf_append(&s->sts, creq_hash, 2 * SHA256_LEN);
  return s->sts.failed ? STEP_NOMEM : STEP_OK;
}

/* The Authorization header's value, malloc'ed into *out (NULL when out of memory). */
static int make_authorization(const bloop_sigv4 *s, const bloop_sigv4_params *pr,
                              const char *date, const char *signature, char **out) {
  bloop_buf auth = BLOOP_BUF_INIT;
  bloop_buf_reserve(&auth, sizeof ALGORITHM + 140 + strlen(pr->access_key_id) +
                               strlen(pr->region) + strlen(pr->service) + s->signed_headers.len);
  bloop_buf_puts(&auth, ALGORITHM " Credential=");
  bloop_buf_puts(&auth, pr->access_key_id);
  bloop_buf_putc(&auth, '/');
  put_scope(&auth, date, pr);
  bloop_buf_puts(&auth, ", SignedHeaders=");
  bloop_buf_append(&auth, s->signed_headers.data, s->signed_headers.len);
  bloop_buf_puts(&auth, ", Signature=");
  bloop_buf_append(&auth, signature, 2 * SHA256_LEN);
  if (auth.failed) {
    bloop_buf_free(&auth);
    return STEP_NOMEM;
  }
  *out = bloop_buf_detach(&auth, NULL);
  return STEP_OK;
}

/* The headers the caller must add to the request, in the order they are listed. */
static void list_added(const bloop_sigv4_params *pr, int add_token, bloop_sigv4_result *out) {
  out->added[out->nadded++] = (bloop_header){"X-Amz-Date", out->amz_date};
  if (add_token) out->added[out->nadded++] = (bloop_header){"X-Amz-Security-Token",
                                                            pr->session_token};
  if (pr->sign_body)
    out->added[out->nadded++] = (bloop_header){"x-amz-content-sha256", out->payload_hash};
  out->added[out->nadded++] = (bloop_header){"Authorization", out->authorization};
}

/* A result may be reused: drop what the previous signature left in it. */
static void reset_result(bloop_sigv4_result *out) {
  free(out->authorization);
  out->authorization = NULL;
  out->nadded = 0;
  bloop_buf_reset(&out->canonical_request);
  bloop_buf_reset(&out->string_to_sign);
}

/* The request's date: X-Amz-Date into out->amz_date and the scope's yyyymmdd into date. */
static bloop_status put_dates(const bloop_sigv4_params *pr, bloop_sigv4_result *out,
                              char date[9], bloop_error *err) {
  struct tm tm;
  if (!gmtime_r(&pr->time, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                           "sigv4: the time is out of range");
  strftime(out->amz_date, sizeof out->amz_date, "%Y%m%dT%H%M%SZ", &tm);
  memcpy(date, out->amz_date, 8);
  date[8] = '\0';
  return BLOOP_OK;
}

bloop_status bloop_sigv4_sign(bloop_sigv4 *s, const bloop_sigv4_params *pr,
                              const bloop_sigv4_request *req, int want_debug,
                              bloop_sigv4_result *out, bloop_error *err) {
  unsigned char digest[SHA256_LEN];
  char date[9];
  size_t nh = 0;
  int step = STEP_OK;

  if (!s || !pr || !req || !out)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "sigv4: NULL argument");
  reset_result(out);
  bloop_status st = check_params(pr, req, err);
  if (st == BLOOP_OK) st = put_dates(pr, out, date, err);
  if (st) return st;
  const int add_token = nonempty(pr->session_token);

  if (!sha256(s, req->body ? req->body : "", req->body_len, digest)) goto crypto_fail;
  hex_encode(digest, SHA256_LEN, out->payload_hash);

  st = collect_headers(s, pr, req, add_token, &nh, err);
  if (st) goto fail;
  add_header(s, &nh, "x-amz-date", out->amz_date);
  if (add_token && !pr->omit_session_token)
    add_header(s, &nh, "x-amz-security-token", pr->session_token);
  if (pr->sign_body) add_header(s, &nh, "x-amz-content-sha256", out->payload_hash);

  step = put_canonical_request(s, pr, req, nh, out->payload_hash);
  if (step == STEP_OK) step = put_string_to_sign(s, pr, out->amz_date, date);
  if (step) goto step_fail;

  /* Task 3: the signature. */
  st = signing_key(s, pr, date, err);
  if (st) goto fail;
  if (!hmac(s->signer, NULL, 0, s->sts.data, s->sts.len, digest)) goto crypto_fail;
  hex_encode(digest, SHA256_LEN, out->signature);
  step = make_authorization(s, pr, date, out->signature, &out->authorization);
  if (step) goto step_fail;

  if (want_debug) {
    bloop_buf_append(&out->canonical_request, s->creq.data, s->creq.len);
    bloop_buf_append(&out->string_to_sign, s->sts.data, s->sts.len);
    if (out->canonical_request.failed || out->string_to_sign.failed) goto nomem;
  }
  list_added(pr, add_token, out);
  return BLOOP_OK;

step_fail:
  if (step == STEP_CRYPTO) goto crypto_fail;
nomem:
  st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory signing a request");
  goto fail;
crypto_fail:
  st = bloop_error_set(err, BLOOP_EINVAL, "CryptoError", "sigv4: OpenSSL HMAC/SHA-256 failed");
fail:
  free(out->authorization);
  out->authorization = NULL;
  out->nadded = 0;
  return st;
}

int bloop_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                      unsigned char out[32]) {
  size_t n = 0;
  if (!key_len) {
    unsigned int m = 0;
    return EVP_Digest(data, len, out, &m, EVP_sha256(), NULL) == 1 && m == 32;
  }
  return EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len, data, len, out, 32,
                   &n) != NULL && n == 32;
}
