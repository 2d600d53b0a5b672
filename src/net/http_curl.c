/*
 * http_curl.c: the transport (transport.h) over one libcurl multi handle.
 *
 * Easy handles are pooled: options that never change are set once when a handle is made,
 * and only the per-request ones are set again, so a request costs no handle setup. The
 * multi handle keeps the connection cache, so connections outlive the easy handles that
 * opened them. A kept-alive connection the server closed while idle (dynalite closes them
 * after 5 s) is noticed by libcurl before a request goes out on it. One that dies after the
 * request went out would be replayed by libcurl on a fresh connection, unseen; the
 * pre-request callback refuses that replay (curl 7.80 and later), since the server may have
 * applied the first send: the client retries it as an attempt of its own.
 */
#include "net/transport.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct bloopi_http_xfer {
  CURL *easy;
  struct curl_slist *headers;
  bloopi_http_response resp;
  void *tag;
  int running;                 /* added to the multi handle, not finished */
  int done;                    /* finished, waiting in the done queue or handed out */
  char errbuf[CURL_ERROR_SIZE];
  size_t live_idx;             /* position in bloopi_http.live */
  bloopi_http_xfer *next;      /* pool or done queue */
  const CURLU *url_set;        /* the parsed URL this handle holds (CURLOPT_CURLU) */
  size_t max_body, max_headers;  /* the transport's caps, here for the callbacks */
  size_t header_bytes;         /* of this transfer's answers, 100 Continue and replays too */
  int too_large;               /* a callback refused the answer for its size */
  size_t body_len;             /* of the request */
  int goes;                    /* times the request was about to go out (pre-request) */
};

struct bloopi_http {
  CURLM *multi;
  bloopi_http_config cfg;
  char *user_agent;
  bloopi_http_xfer *pool;
  bloopi_http_xfer *done_head, *done_tail;
  /* Every transfer handed out, so bloopi_http_free can find unreleased ones. */
  bloopi_http_xfer **live;
  size_t nlive, live_cap;
  size_t running;
  /* The last URL parsed: a client sends every request to one endpoint, so the URL is
   * parsed once instead of per request (CURLOPT_URL re-parses on every transfer). */
  char *url;
  CURLU *uh;
  /* Parses of earlier URLs: a transfer replayed on a new connection reads its CURLU
   * again, so one is freed only with the transport. A client has one endpoint. */
  struct retired_url { CURLU *uh; struct retired_url *next; } *retired;
  int no_proxy_env;            /* no proxy variable was set when the transport was made */
};

/* curl_global_init is not thread-safe and costs a lot; it must run once per process
 * before any handle exists. A pthread_once flag is the one way to do that without asking
 * every embedder to call an init function: it is process-wide setup, not mutable state. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

static void global_init(void) { global_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

/* An answer past its cap is refused as it arrives (returning less than n aborts the
 * transfer), so an endless or huge body never gets into memory. */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud) {
  bloopi_http_xfer *x = ud;
  size_t n = size * nmemb;
  if (n > x->max_body - x->resp.body.len) {
    x->too_large = 1;
    return 0;
  }
  if (bloop_buf_append(&x->resp.body, ptr, n) != BLOOP_OK) return 0;  /* CURLE_WRITE_ERROR */
  return n;
}

#if LIBCURL_VERSION_NUM >= 0x075000
/* Called each time the request is about to go out on a connection: a second time is libcurl
 * replaying it after the reused connection died without an answer. */
static int on_prereq(void *ud, char *conn_ip, char *local_ip, int conn_port, int local_port) {
  bloopi_http_xfer *x = ud;
  (void)conn_ip, (void)local_ip, (void)conn_port, (void)local_port;
  return ++x->goes > 1 ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}
#endif

static void copy_value(char *dst, size_t cap, const char *v, size_t n) {
  if (n >= cap) n = cap - 1;
  memcpy(dst, v, n);
  dst[n] = '\0';
}

/* Keeps only the headers the client reads; a new status line (a replay on a fresh
 * connection, a 100 Continue) starts the set over. */
static size_t on_header(char *ptr, size_t size, size_t nitems, void *ud) {
  bloopi_http_xfer *x = ud;
  size_t n = size * nitems;
  bloopi_http_response *r = &x->resp;
  x->header_bytes += n;
  if (x->header_bytes > x->max_headers) {
    x->too_large = 1;
    return 0;
  }
  if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
    r->date[0] = r->crc32[0] = r->request_id[0] = '\0';
    r->retry_after[0] = r->error_type[0] = r->content_type[0] = '\0';
    bloop_buf_reset(&r->body);
    return n;
  }
  const char *colon = memchr(ptr, ':', n);
  if (!colon) return n;
  size_t nlen = (size_t)(colon - ptr);
  const char *v = colon + 1, *end = ptr + n;
  while (v < end && (*v == ' ' || *v == '\t')) v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
  size_t vlen = (size_t)(end - v);
#define IS(name) (nlen == sizeof(name) - 1 && strncasecmp(ptr, name, nlen) == 0)
  if (IS("date")) copy_value(r->date, sizeof r->date, v, vlen);
  else if (IS("x-amz-crc32")) copy_value(r->crc32, sizeof r->crc32, v, vlen);
  else if (IS("x-amzn-requestid")) copy_value(r->request_id, sizeof r->request_id, v, vlen);
  else if (IS("x-amz-retry-after")) copy_value(r->retry_after, sizeof r->retry_after, v, vlen);
  else if (IS("x-amzn-errortype")) copy_value(r->error_type, sizeof r->error_type, v, vlen);
  else if (IS("content-type")) copy_value(r->content_type, sizeof r->content_type, v, vlen);
  else if (IS("content-length")) {
    /* Size the body once instead of growing it through a 2 MB page. */
    char num[24];
    copy_value(num, sizeof num, v, vlen);
    long long cl = atoll(num);
    if (cl > 0 && (unsigned long long)cl > x->max_body) {
      x->too_large = 1;   /* refused before a byte of it arrives */
      return 0;
    }
    if (cl > 0 && cl <= (32LL << 20)) bloop_buf_reserve(&r->body, (size_t)cl);
  }
#undef IS
  return n;
}

/* libcurl reads the proxy variables (curl_getenv, five lookups) on every request. When
 * none is set as the transport is made, proxying is switched off for its handles, so a
 * request looks up nothing; when one is set, libcurl keeps its own rules (http_proxy,
 * https_proxy, all_proxy, no_proxy, per request). A proxy variable set later in the
 * process's life is seen only by transports (clients) made after it. */
static int proxy_env_set(void) {
  static const char *const vars[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
                                     "ALL_PROXY", NULL};
  for (const char *const *v = vars; *v; v++) {
    const char *s = getenv(*v);
    if (s && *s) return 1;
  }
  return 0;
}

static bloopi_http_xfer *xfer_make(bloopi_http *h) {
  bloopi_http_xfer *x = calloc(1, sizeof *x);
  if (!x) return NULL;
  x->easy = curl_easy_init();
  if (!x->easy) {
    free(x);
    return NULL;
  }
  bloop_buf_init(&x->resp.body);
  x->max_body = h->cfg.max_body;
  x->max_headers = h->cfg.max_headers;
  CURL *e = x->easy;
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
  curl_easy_setopt(e, CURLOPT_PRIVATE, x);
#if LIBCURL_VERSION_NUM >= 0x075000
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, x);
#endif
  /* CURLOPT_ACCEPT_ENCODING stays unset on purpose: x-amz-crc32 covers the bytes as
   * sent, so libcurl must never decode them behind our back. */
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, h->cfg.buffer_size);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->cfg.connect_timeout_ms);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, h->cfg.low_speed_limit);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, h->cfg.low_speed_time_s);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  if (h->user_agent) curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
  if (h->no_proxy_env) curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
  return x;
}

static void xfer_destroy(bloopi_http_xfer *x) {
  if (!x) return;
  curl_easy_cleanup(x->easy);
  curl_slist_free_all(x->headers);
  bloop_buf_free(&x->resp.body);
  free(x);
}

bloop_status bloopi_http_new(const bloopi_http_config *cfg, bloopi_http **out,
                             bloop_error *err) {
  *out = NULL;
  pthread_once(&global_once, global_init);
  if (global_rc != CURLE_OK)
    return bloop_error_set(err, BLOOP_ENETWORK, "NetworkError", "curl_global_init: %s",
                           curl_easy_strerror(global_rc));
  bloopi_http *h = calloc(1, sizeof *h);
  if (!h) goto nomem;
  h->cfg = *cfg;
  if (h->cfg.buffer_size <= 0) h->cfg.buffer_size = 256 * 1024;
  if (h->cfg.max_body == 0) h->cfg.max_body = SIZE_MAX;
  if (h->cfg.max_headers == 0) h->cfg.max_headers = SIZE_MAX;
  if (cfg->user_agent && !(h->user_agent = strdup(cfg->user_agent))) goto nomem;
  h->cfg.user_agent = h->user_agent;
  h->multi = curl_multi_init();
  if (!h->multi) goto nomem;
  h->no_proxy_env = !proxy_env_set();
  *out = h;
  return BLOOP_OK;
nomem:
  if (h) free(h->user_agent);
  free(h);
  return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory creating the transport");
}

static void live_remove(bloopi_http *h, bloopi_http_xfer *x) {
  size_t i = x->live_idx;
  if (i >= h->nlive || h->live[i] != x) return;
  h->live[i] = h->live[--h->nlive];
  h->live[i]->live_idx = i;
}

static void done_unlink(bloopi_http *h, bloopi_http_xfer *x) {
  bloopi_http_xfer **pp = &h->done_head, *prev = NULL;
  while (*pp && *pp != x) {
    prev = *pp;
    pp = &(*pp)->next;
  }
  if (!*pp) return;
  *pp = x->next;
  if (h->done_tail == x) h->done_tail = prev;
  x->next = NULL;
}

void bloopi_http_free(bloopi_http *h) {
  if (!h) return;
  for (size_t i = 0; i < h->nlive; i++) {
    bloopi_http_xfer *x = h->live[i];
    if (x->running) curl_multi_remove_handle(h->multi, x->easy);
    xfer_destroy(x);
  }
  free(h->live);
  while (h->pool) {
    bloopi_http_xfer *x = h->pool;
    h->pool = x->next;
    xfer_destroy(x);
  }
  curl_multi_cleanup(h->multi);
  curl_url_cleanup(h->uh);
  while (h->retired) {
    struct retired_url *r = h->retired;
    h->retired = r->next;
    curl_url_cleanup(r->uh);
    free(r);
  }
  free(h->url);
  free(h->user_agent);
  free(h);
}

/* The request's header list on x, with "Expect:" and "Accept:" blanked: no 100-continue
 * round trip for large bodies, no default Accept. 0, or -1 out of memory. */
static int set_headers(bloopi_http_xfer *x, const bloopi_http_request *req) {
  bloop_buf line = BLOOP_BUF_INIT;
  for (size_t i = 0; i < req->nheaders; i++) {
    bloop_buf_reset(&line);
    bloop_buf_puts(&line, req->headers[i].name);
    bloop_buf_append(&line, ": ", 2);
    bloop_buf_puts(&line, req->headers[i].value);
    struct curl_slist *nh = line.failed ? NULL : curl_slist_append(x->headers, line.data);
    if (!nh) {
      bloop_buf_free(&line);
      return -1;
    }
    x->headers = nh;
  }
  bloop_buf_free(&line);
  struct curl_slist *nh = curl_slist_append(x->headers, "Expect:");
  if (nh) x->headers = nh, nh = curl_slist_append(x->headers, "Accept:");
  if (!nh) return -1;
  x->headers = nh;
  return 0;
}

static void reset_response(bloopi_http_xfer *x, void *tag) {
  bloopi_http_response *r = &x->resp;
  r->outcome = BLOOPI_HTTP_DONE;
  r->error[0] = r->date[0] = r->crc32[0] = r->request_id[0] = '\0';
  r->retry_after[0] = r->error_type[0] = r->content_type[0] = '\0';
  r->status = 0;
  r->request_sent = 0;
  bloop_buf_reset(&r->body);
  x->errbuf[0] = '\0';
  x->tag = tag;
  x->header_bytes = 0;
  x->too_large = 0;
  x->goes = 0;
}

/* Points x's handle at url. The URL is parsed once per endpoint (h->uh) and shared by the
 * pooled handles; a handle still holding an older parse is re-pointed before it starts
 * again, and the older parse is kept (retired) until the transport is freed. 0, or -1 out
 * of memory. */
static int set_url(bloopi_http *h, bloopi_http_xfer *x, const char *url) {
  CURL *e = x->easy;
  if (!h->url || strcmp(h->url, url) != 0) {
    CURLU *uh = curl_url();
    char *copy = strdup(url);
    struct retired_url *old = h->uh ? malloc(sizeof *old) : NULL;
    int oom = !uh || !copy || (h->uh && !old);
    if (oom || curl_url_set(uh, CURLUPART_URL, url, 0) != CURLUE_OK) {
      curl_url_cleanup(uh);
      free(copy);
      free(old);
      if (oom) return -1;
      /* A URL curl_url refuses: hand it to libcurl as text, which reports it. */
      curl_easy_setopt(e, CURLOPT_CURLU, NULL);
      x->url_set = NULL;
      curl_easy_setopt(e, CURLOPT_URL, url);
      return 0;
    }
    if (old) {
      old->uh = h->uh;
      old->next = h->retired;
      h->retired = old;
    }
    free(h->url);
    h->uh = uh;
    h->url = copy;
  }
  if (x->url_set != h->uh) {
    curl_easy_setopt(e, CURLOPT_URL, NULL);
    curl_easy_setopt(e, CURLOPT_CURLU, h->uh);
    x->url_set = h->uh;
  }
  return 0;
}

/* A transfer that did not start goes back to the pool, its header list freed. */
static void give_back(bloopi_http *h, bloopi_http_xfer *x) {
  curl_slist_free_all(x->headers);
  x->headers = NULL;
  x->next = h->pool;
  h->pool = x;
}

bloop_status bloopi_http_submit(bloopi_http *h, const bloopi_http_request *req,
                                bloopi_http_xfer **out, bloop_error *err) {
  *out = NULL;
  bloopi_http_xfer *x = h->pool;
  if (x) h->pool = x->next;
  else if (!(x = xfer_make(h))) goto nomem;
  x->next = NULL;
  if (h->nlive == h->live_cap) {
    size_t cap = h->live_cap ? h->live_cap * 2 : 16;
    bloopi_http_xfer **nl = realloc(h->live, cap * sizeof *nl);
    if (!nl) goto nomem_x;
    h->live = nl;
    h->live_cap = cap;
  }
  if (set_headers(x, req) != 0) goto nomem_x;
  reset_response(x, req->tag);
  x->body_len = req->body_len;
  if (set_url(h, x, req->url) != 0) goto nomem_x;

  CURL *e = x->easy;
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 1L);
  CURLMcode mc = curl_multi_add_handle(h->multi, e);
  if (mc != CURLM_OK) {
    give_back(h, x);
    return bloop_error_set(err, mc == CURLM_OUT_OF_MEMORY ? BLOOP_ENOMEM : BLOOP_ESTATE,
                           "TransportError", "curl_multi_add_handle: %s",
                           curl_multi_strerror(mc));
  }
  x->running = 1;
  x->done = 0;
  h->running++;
  x->live_idx = h->nlive;
  h->live[h->nlive++] = x;
  *out = x;
  return BLOOP_OK;

nomem_x:
  give_back(h, x);
nomem:
  return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory starting a request");
}

static bloopi_http_outcome classify(CURLcode rc) {
  switch (rc) {
    case CURLE_OK: return BLOOPI_HTTP_DONE;
    case CURLE_OPERATION_TIMEDOUT: return BLOOPI_HTTP_TIMEOUT;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_WRITE_ERROR: return BLOOPI_HTTP_NOMEM;   /* only our body append fails */
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT: return BLOOPI_HTTP_FATAL;
    default: return BLOOPI_HTTP_NETWORK;
  }
}

static void collect(bloopi_http *h) {
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(h->multi, &left))) {
    if (msg->msg != CURLMSG_DONE) continue;
    bloopi_http_xfer *x = NULL;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
    CURLcode rc = msg->data.result;
    /* Removing now returns the connection to the multi's cache for the next request. */
    curl_multi_remove_handle(h->multi, x->easy);
    x->running = 0;
    x->done = 1;
    h->running--;
    bloopi_http_response *r = &x->resp;
    r->outcome = x->too_large ? BLOOPI_HTTP_TOO_LARGE : classify(rc);
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->status);
    curl_off_t up = 0;
    curl_easy_getinfo(x->easy, CURLINFO_SIZE_UPLOAD_T, &up);
    /* goes > 1: the replay on_prereq refused, after a send that may have been whole */
    r->request_sent = x->goes > 1 || (up > 0 && up == (curl_off_t)x->body_len);
    r->replayed = x->goes > 1;
    if (x->goes > 1) {
      r->outcome = BLOOPI_HTTP_NETWORK;
      snprintf(r->error, sizeof r->error, "%s", "the connection was lost after the request "
                                                "was sent, before an answer");
    } else if (x->too_large)
      snprintf(r->error, sizeof r->error, "%s", x->header_bytes > x->max_headers
                                                     ? "the answer's headers are too large"
                                                     : "the answer is too large");
    else if (r->outcome != BLOOPI_HTTP_DONE)
      snprintf(r->error, sizeof r->error, "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
    x->next = NULL;
    if (h->done_tail) h->done_tail->next = x;
    else h->done_head = x;
    h->done_tail = x;
  }
}

bloop_status bloopi_http_drive(bloopi_http *h, long timeout_ms, bloop_error *err) {
  int still = 0;
  CURLMcode mc = curl_multi_perform(h->multi, &still);
  if (mc == CURLM_OK) collect(h);
  if (mc == CURLM_OK && timeout_ms > 0 && !h->done_head) {
    if (timeout_ms > 0x7fffffffL) timeout_ms = 0x7fffffffL;
    mc = curl_multi_poll(h->multi, NULL, 0, (int)timeout_ms, NULL);
    if (mc == CURLM_OK) mc = curl_multi_perform(h->multi, &still);
    if (mc == CURLM_OK) collect(h);
  }
  if (mc != CURLM_OK)
    return bloop_error_set(err, mc == CURLM_OUT_OF_MEMORY ? BLOOP_ENOMEM : BLOOP_ENETWORK,
                           "TransportError", "curl multi: %s", curl_multi_strerror(mc));
  return BLOOP_OK;
}

bloopi_http_xfer *bloopi_http_next_done(bloopi_http *h) {
  bloopi_http_xfer *x = h->done_head;
  if (!x) return NULL;
  h->done_head = x->next;
  if (!h->done_head) h->done_tail = NULL;
  x->next = NULL;
  return x;
}

bloopi_http_response *bloopi_http_xfer_response(bloopi_http_xfer *x) { return &x->resp; }

void *bloopi_http_xfer_tag(const bloopi_http_xfer *x) { return x->tag; }

void bloopi_http_release(bloopi_http *h, bloopi_http_xfer *x) {
  if (!x) return;
  if (x->running) {
    curl_multi_remove_handle(h->multi, x->easy);
    x->running = 0;
    h->running--;
  } else if (x->done) {
    done_unlink(h, x);
  }
  x->done = 0;
  live_remove(h, x);
  curl_slist_free_all(x->headers);
  x->headers = NULL;
  /* A large page's buffer is not kept around in an idle pooled handle. */
  if (x->resp.body.cap > 1024 * 1024) bloop_buf_free(&x->resp.body);
  x->tag = NULL;
  x->next = h->pool;
  h->pool = x;
}

size_t bloopi_http_running(const bloopi_http *h) { return h->running; }
