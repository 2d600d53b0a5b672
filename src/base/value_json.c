/*
 * value_json.c: DynamoDB JSON <-> bloop_value.
 *
 * Decoding reads the text straight into arena values (json_read.c, which holds every rule
 * of DynamoDB's attribute-value grammar; errors name the path, "Item.tags.SS[2]: not a
 * string"). bloop_*_from_cjson serve callers that parsed a whole answer with cJSON.
 *
 * Encoding validates first (bloop_value_validate), then writes compact JSON with the
 * escapes RFC 8259 requires; non-ASCII UTF-8 is written as is.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "bloop/value.h"
#include "base/base64.h"
#include "base/json_read.h"
#include "base/value_internal.h"

/* ---- decoding ------------------------------------------------------------------------- */

/* The grammar lives in json_read.c. A caller holding a cJSON node (an answer parsed whole
 * for its other members) has it printed back to text and read there, so there is one
 * decoder and one set of rules and messages. */
static bloop_status from_cjson(const cJSON *node, bloop_arena *a, bloop_value *out,
                               const char *path, bloop_error *err, int item) {
  memset(out, 0, sizeof *out);
  bloopi_jr r;
  if (item && (!node || !cJSON_IsObject(node))) {
    bloop_value_set_null(out);
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidValue",
                           "%s: not an item (expected an object of attribute values)", path);
  }
  char *text = node ? cJSON_PrintUnformatted(node) : NULL;
  if (!text) {
    bloop_value_set_null(out);
    if (!node)
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidValue",
                             "%s: not an attribute value (expected an object)", path);
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "%s: out of memory", path);
  }
  bloopi_jr_init(&r, text, strlen(text), a, err, path);
  bloop_status st = item ? bloopi_jr_item(&r, out) : bloopi_jr_value(&r, out);
  cJSON_free(text);
  return st;
}

bloop_status bloop_value_from_cjson(const cJSON *node, bloop_arena *a, bloop_value *out,
                                    const char *path, bloop_error *err) {
  return from_cjson(node, a, out, path ? path : "value", err, 0);
}

bloop_status bloop_item_from_cjson(const cJSON *node, bloop_arena *a, bloop_value *out,
                                   const char *path, bloop_error *err) {
  return from_cjson(node, a, out, path ? path : "Item", err, 1);
}

/* cJSON turns the escape \u0000 into a NUL inside a C string, silently cutting the string;
 * refuse it instead. The scan skips every escaped character, so "\\u0000" is not a hit. */
static const char *find_nul_escape(const char *s, size_t len) {
  const char *end = s + len;
  for (const char *p = memchr(s, '\\', len); p; p = memchr(p, '\\', (size_t)(end - p))) {
    if (end - p >= 6 && p[1] == 'u' && memcmp(p + 2, "0000", 4) == 0) return p;
    p += 2;
    if (p >= end) break;
  }
  return NULL;
}

bloop_status bloop_json_parse(const char *text, size_t len, const char *root,
                              struct cJSON **out, bloop_error *err) {
  *out = NULL;
  if (!text)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidJSON", "%s: no JSON text", root);
  const char *nul = find_nul_escape(text, len);
  if (nul)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidJSON",
                           "%s: the string escape \\u0000 is not supported (at byte %zu)", root,
                           (size_t)(nul - text));
  const char *end = NULL;
  cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
  size_t at = end && end >= text ? (size_t)(end - text) : 0;
  if (j) {
    while (at < len && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' ||
                        text[at] == '\r'))
      at++;
    if (at < len) {
      cJSON_Delete(j);
      return bloop_error_set(err, BLOOP_EINVAL, "InvalidJSON",
                             "%s: unexpected text after the JSON value (at byte %zu)", root, at);
    }
    *out = j;
    return BLOOP_OK;
  }
  return bloop_error_set(err, BLOOP_EINVAL, "InvalidJSON", "%s: not valid JSON (at byte %zu)",
                         root, at > len ? len : at);
}

static bloop_status from_text(const char *text, size_t len, bloop_arena *a, bloop_value *out,
                              bloop_error *err, int item) {
  bloopi_jr r;
  memset(out, 0, sizeof *out);
  if (!text)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidJSON", "%s: no JSON text",
                           item ? "Item" : "value");
  bloopi_jr_init(&r, text, len, a, err, item ? "Item" : "value");
  bloop_status st = item ? bloopi_jr_item(&r, out) : bloopi_jr_value(&r, out);
  if (st == BLOOP_OK) st = bloopi_jr_end(&r);
  if (st != BLOOP_OK) bloop_value_set_null(out);
  return st;
}

bloop_status bloop_value_from_json(const char *text, size_t len, bloop_arena *a,
                                   bloop_value *out, bloop_error *err) {
  return from_text(text, len, a, out, err, 0);
}

bloop_status bloop_item_from_json(const char *text, size_t len, bloop_arena *a,
                                  bloop_value *out, bloop_error *err) {
  return from_text(text, len, a, out, err, 1);
}

/* ---- encoding ------------------------------------------------------------------------- */

/* Room for n more bytes (and the NUL) at the end of b: where to write them, or NULL when
 * b failed or cannot grow. The encoder writes straight into the buffer and counts b->len
 * itself: a value's pieces are a few bytes each, and an append call per piece was most of
 * the encoding's instructions. */
static inline char *room(bloop_buf *b, size_t n) {
  if (b->failed) return NULL;
  if (b->len + n + 1 > b->cap && bloop_buf_reserve(b, n) != BLOOP_OK) return NULL;
  return b->data + b->len;
}

/* The escaping loop behind bloop_json_put_string and bloopi_json_escape: bytes that need
 * no escape are copied as they are scanned; each other one is written escaped. */
static bloop_status put_json_string(bloop_buf *b, const char *str, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  char *o = room(b, len + 2);
  if (!o) return BLOOP_ENOMEM;
  *o++ = '"';
  for (size_t i = 0; i < len; i++) {
    unsigned char c = s[i];
    if (c >= 0x20 && c != '"' && c != '\\') {
      *o++ = (char)c;
      continue;
    }
    /* an escape: up to 6 bytes for it, and room kept for the rest and the quote */
    b->len = (size_t)(o - b->data);
    if (!(o = room(b, 6 + (len - i - 1) + 1))) return BLOOP_ENOMEM;
    *o++ = '\\';
    switch (c) {
      case '"': *o++ = '"'; break;
      case '\\': *o++ = '\\'; break;
      case '\n': *o++ = 'n'; break;
      case '\r': *o++ = 'r'; break;
      case '\t': *o++ = 't'; break;
      case '\b': *o++ = 'b'; break;
      case '\f': *o++ = 'f'; break;
      default:
        memcpy(o, "u00", 3);
        o[3] = hex[c >> 4];
        o[4] = hex[c & 15];
        o += 5;
    }
  }
  *o++ = '"';
  b->len = (size_t)(o - b->data);
  b->data[b->len] = '\0';
  return BLOOP_OK;
}

bloop_status bloop_json_put_string(bloop_buf *b, const char *s, size_t len) {
  /* the project's one UTF-8 check (value.c), before anything is written */
  if (!bloopi_utf8_valid(s, len)) return BLOOP_EINVAL;
  return put_json_string(b, s, len);
}

void bloopi_json_escape(bloop_buf *b, const char *s, size_t len) { put_json_string(b, s, len); }

/* n bytes of text, as they are (JSON punctuation). */
static inline void put_raw(bloop_buf *b, const char *t, size_t n) {
  char *o = room(b, n);
  if (!o) return;
  memcpy(o, t, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static inline void put_byte(bloop_buf *b, char c) {
  char *o = room(b, 1);
  if (!o) return;
  o[0] = c;
  o[1] = '\0';
  b->len++;
}

static void enc_value(bloop_buf *b, const bloop_value *v);

static void enc_members(bloop_buf *b, const bloop_value *m) {
  put_byte(b, '{');
  for (size_t i = 0; i < m->u.map.count; i++) {
    if (i) put_byte(b, ',');
    put_json_string(b, m->u.map.members[i].name, m->u.map.members[i].name_len);
    put_byte(b, ':');
    enc_value(b, &m->u.map.members[i].value);
  }
  put_byte(b, '}');
}

static void enc_scalar(bloop_buf *b, const bloop_value *v) {
  if (v->type == BLOOP_TYPE_B) {
    put_byte(b, '"');
    bloopi_base64_encode((const unsigned char *)v->u.bytes.ptr, v->u.bytes.len, b);
    put_byte(b, '"');
  } else {
    put_json_string(b, v->u.bytes.ptr, v->u.bytes.len);
  }
}

/* {"S": and friends, by type, so a value opens with one write. */
static void put_type_open(bloop_buf *b, bloop_type t) {
  static const struct { const char *text; size_t len; } opens[] = {
      [BLOOP_TYPE_S] = {"{\"S\":", 5},       [BLOOP_TYPE_N] = {"{\"N\":", 5},
      [BLOOP_TYPE_B] = {"{\"B\":", 5},       [BLOOP_TYPE_BOOL] = {"{\"BOOL\":", 8},
      [BLOOP_TYPE_NULL] = {"{\"NULL\":", 8}, [BLOOP_TYPE_SS] = {"{\"SS\":", 6},
      [BLOOP_TYPE_NS] = {"{\"NS\":", 6},     [BLOOP_TYPE_BS] = {"{\"BS\":", 6},
      [BLOOP_TYPE_L] = {"{\"L\":", 5},       [BLOOP_TYPE_M] = {"{\"M\":", 5},
  };
  if ((unsigned)t < sizeof opens / sizeof opens[0] && opens[t].text) {
    put_raw(b, opens[t].text, opens[t].len);
    return;
  }
  const char *name = bloop_type_name(t);
  size_t n = strlen(name);
  char open[12] = {'{', '"'};
  if (n > 6) n = 6;
  memcpy(open + 2, name, n);
  open[2 + n] = '"';
  open[3 + n] = ':';
  put_raw(b, open, n + 4);
}

static void enc_value(bloop_buf *b, const bloop_value *v) {
  put_type_open(b, v->type);
  switch (v->type) {
    case BLOOP_TYPE_S:
    case BLOOP_TYPE_N:
    case BLOOP_TYPE_B:
      enc_scalar(b, v);
      break;
    case BLOOP_TYPE_BOOL:
      if (v->u.boolean) put_raw(b, "true", 4);
      else put_raw(b, "false", 5);
      break;
    case BLOOP_TYPE_NULL:
      put_raw(b, "true", 4);
      break;
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS:
    case BLOOP_TYPE_BS:
    case BLOOP_TYPE_L:
      put_byte(b, '[');
      for (size_t i = 0; i < v->u.list.count; i++) {
        if (i) put_byte(b, ',');
        if (v->type == BLOOP_TYPE_L)
          enc_value(b, &v->u.list.items[i]);
        else
          enc_scalar(b, &v->u.list.items[i]);
      }
      put_byte(b, ']');
      break;
    case BLOOP_TYPE_M:
      enc_members(b, v);
      break;
    case BLOOP_TYPE_NONE:
      break;   /* validation refuses it before we get here */
  }
  put_byte(b, '}');
}

static bloop_status enc_done(bloop_buf *b, bloop_error *err) {
  if (b->failed)
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory encoding JSON");
  return BLOOP_OK;
}

bloop_status bloop_value_to_json(const bloop_value *v, bloop_buf *b, bloop_error *err) {
  bloop_status st = bloop_value_validate(v, "value", err);
  if (st != BLOOP_OK) return st;
  enc_value(b, v);
  return enc_done(b, err);
}

bloop_status bloop_item_to_json(const bloop_value *item, bloop_buf *b, bloop_error *err) {
  bloop_status st = bloop_item_validate(item, "Item", err);
  if (st != BLOOP_OK) return st;
  enc_members(b, item);
  return enc_done(b, err);
}

bloop_status bloopi_value_to_json_unchecked(const bloop_value *v, bloop_buf *b) {
  enc_value(b, v);
  return b->failed ? BLOOP_ENOMEM : BLOOP_OK;
}

bloop_status bloopi_item_to_json_unchecked(const bloop_value *item, bloop_buf *b) {
  enc_members(b, item);
  return b->failed ? BLOOP_ENOMEM : BLOOP_OK;
}

/* ---- item size errors (they show the key as JSON) --------------------------------- */

/* Appends "name: <json>" for each key attribute, each value cut to 100 bytes. */
static void describe_key(bloop_buf *out, const bloop_value *item, const char *key_names) {
  const char *p = key_names;
  int first = 1;
  bloop_buf_putc(out, '{');
  while (p && *p) {
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n) {
      if (!first) bloop_buf_puts(out, ", ");
      first = 0;
      bloop_buf_append(out, p, n);
      bloop_buf_puts(out, ": ");
      const bloop_value *v = bloop_value_get(item, p, n);
      bloop_buf j = BLOOP_BUF_INIT;
      if (!v) {
        bloop_buf_puts(out, "(missing)");
      } else if (bloop_value_to_json(v, &j, NULL) == BLOOP_OK) {
        if (j.len > 100) {
          bloop_buf_append(out, j.data, 100);
          bloop_buf_puts(out, "...");
        } else {
          bloop_buf_append(out, j.data, j.len);
        }
      } else {
        bloop_buf_puts(out, "(invalid value)");
      }
      bloop_buf_free(&j);
    }
    p = end ? end + 1 : NULL;
  }
  bloop_buf_putc(out, '}');
}

bloop_status bloop_item_check_size(const bloop_value *item, const char *key_names,
                                   bloop_error *err) {
  size_t size = bloop_item_size(item);
  if (size <= BLOOP_ITEM_SIZE_MAX) return BLOOP_OK;
  bloop_buf key = BLOOP_BUF_INIT;
  if (key_names && *key_names && item->type == BLOOP_TYPE_M) {
    describe_key(&key, item, key_names);
    bloop_buf_putc(&key, ' ');
  }
  bloop_status st = bloop_error_set(
      err, BLOOP_EINVAL, "ItemTooLarge",
      "item %sis %zu bytes, over DynamoDB's limit of %d bytes (400 KB)",
      key.data && !key.failed ? key.data : "", size, BLOOP_ITEM_SIZE_MAX);
  bloop_buf_free(&key);
  return st;
}
