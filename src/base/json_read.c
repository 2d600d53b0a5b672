/*
 * json_read.c: DynamoDB JSON text -> arena values, with no tree in between (json_read.h).
 *
 * Why not cJSON here: a query page of 1,000 items became some 50,000 cJSON nodes, each a
 * malloc and a free, and a second walk to copy them into values (bench/PROFILE.md: 40% of
 * the client's instructions per query item). Reading the text once, straight into the
 * arena, allocates in a few blocks. Strings without escapes are not copied until a value
 * keeps them; error paths are kept as pointers and rendered only when an error is reported.
 */
#include "base/json_read.h"

#include <stdio.h>
#include <string.h>

#include "bloop/decimal.h"
#include "base/base64.h"
#include "base/value_internal.h"

/* ---- errors ----------------------------------------------------------------------- */

static void render_path(const bloopi_jr *r, bloopi_path *p) {
  bloopi_path_init(p, r->root);
  if (r->has_root_index) bloopi_path_index(p, r->root_index);
  for (size_t i = 0; i < r->nframes && i < BLOOPI_JR_FRAMES; i++) {
    const bloopi_jr_frame *f = &r->frames[i];
    if (f->kind == 0) bloopi_path_key(p, f->name, f->n);
    else if (f->kind == 1) bloopi_path_index(p, f->n);
    else bloopi_path_tag(p, (bloop_type)f->n);
  }
}

static bloop_status fail_code(bloopi_jr *r, bloop_status st, const char *code, const char *what) {
  if (r->failed) return r->failed;
  bloopi_path p;
  render_path(r, &p);
  r->failed = st;
  return bloop_error_set(r->err, st, code, "%s: %s", p.buf, what);
}

static bloop_status fail(bloopi_jr *r, const char *what) {
  return fail_code(r, BLOOP_EINVAL, "InvalidValue", what);
}

static bloop_status nomem(bloopi_jr *r) {
  return fail_code(r, BLOOP_ENOMEM, "OutOfMemory", "out of memory");
}

/* Syntax errors name the text and the byte, as a parser would. */
static bloop_status syntax(bloopi_jr *r) {
  if (r->failed) return r->failed;
  r->failed = BLOOP_EINVAL;
  return bloop_error_set(r->err, BLOOP_EINVAL, "InvalidJSON", "%s: not valid JSON (at byte %zu)",
                         r->root, (size_t)(r->p - r->text));
}

static void push_frame(bloopi_jr *r, int kind, const char *name, size_t n) {
  if (r->nframes < BLOOPI_JR_FRAMES) r->frames[r->nframes] = (bloopi_jr_frame){kind, name, n};
  r->nframes++;  /* deeper than the frames hold: counted, not recorded (depth is capped) */
}

static void pop_frame(bloopi_jr *r) { r->nframes--; }

/* ---- tokens ----------------------------------------------------------------------- */

static void ws(bloopi_jr *r) {
  const char *p = r->p, *end = r->end;
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  r->p = p;
}

/* The next significant byte (whitespace skipped), or -1 at the end. */
static int peek(bloopi_jr *r) {
  ws(r);
  return r->p < r->end ? (unsigned char)*r->p : -1;
}

static int eat(bloopi_jr *r, char c) {
  if (peek(r) != (unsigned char)c) return 0;
  r->p++;
  return 1;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int read_hex4(const char *p, const char *end, unsigned *out) {
  if (end - p < 4) return 0;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval((unsigned char)p[i]);
    if (h < 0) return 0;
    v = v << 4 | (unsigned)h;
  }
  *out = v;
  return 1;
}

static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18);
  o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* A JSON string at r->p (after whitespace). *s points into the text when the string has
 * no escapes, else at its decoded bytes in the arena (NUL-terminated). Bytes are not
 * checked for UTF-8 here: values and names are, where they are kept. nul: whether the
 * escape \u0000 may stand in it (values are counted strings; names are used as C strings
 * too, so a NUL in one is refused rather than cut short). */
static bloop_status read_string_nul(bloopi_jr *r, const char **s, size_t *len, int nul) {
  if (peek(r) != '"') return syntax(r);
  const char *start = ++r->p, *p = start, *end = r->end;
  while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
  if (p < end && *p == '"') {
    *s = start;
    *len = (size_t)(p - start);
    r->p = p + 1;
    return BLOOP_OK;
  }
  /* Escapes: decoding never makes the string longer than its text. */
  const char *q = p;
  while (q < end && *q != '"') q += *q == '\\' ? 2 : 1;
  char *out = bloop_arena_alloc(r->a, (size_t)(q - start) + 1);
  if (!out) return nomem(r);
  size_t o = (size_t)(p - start);
  memcpy(out, start, o);
  while (p < end && *p != '"') {
    unsigned char c = (unsigned char)*p;
    if (c < 0x20) {
      r->p = p;
      return syntax(r);
    }
    if (c != '\\') {
      out[o++] = (char)c;
      p++;
      continue;
    }
    if (end - p < 2) break;
    const char *esc = p;
    switch (p[1]) {
      case '"': out[o++] = '"'; break;
      case '\\': out[o++] = '\\'; break;
      case '/': out[o++] = '/'; break;
      case 'b': out[o++] = '\b'; break;
      case 'f': out[o++] = '\f'; break;
      case 'n': out[o++] = '\n'; break;
      case 'r': out[o++] = '\r'; break;
      case 't': out[o++] = '\t'; break;
      case 'u': {
        unsigned cp, lo;
        if (!read_hex4(p + 2, end, &cp)) {
          r->p = p;
          return syntax(r);
        }
        p += 4;
        if (cp == 0 && !nul) {
          if (r->failed) return r->failed;
          r->failed = BLOOP_EINVAL;
          return bloop_error_set(r->err, BLOOP_EINVAL, "InvalidJSON",
                                 "%s: the string escape \\u0000 is not supported (at byte %zu)",
                                 r->root, (size_t)(esc - r->text));
        }
        /* A pair makes one code point; a lone surrogate is written as its three bytes,
         * which are not UTF-8, so a value or name holding one is refused where it is
         * checked. */
        if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 8 && p[2] == '\\' && p[3] == 'u' &&
            read_hex4(p + 4, end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        }
        o += put_utf8(out + o, cp);
        break;
      }
      default:
        r->p = p;
        return syntax(r);
    }
    p += 2;
  }
  if (p >= end) {
    r->p = end;
    return syntax(r);
  }
  out[o] = '\0';
  *s = out;
  *len = o;
  r->p = p + 1;
  return BLOOP_OK;
}

static bloop_status read_string(bloopi_jr *r, const char **s, size_t *len) {
  return read_string_nul(r, s, len, 0);
}

/* 1 when the literal word w (true, false, null) is at r->p (and consumed), else 0. */
static int read_word(bloopi_jr *r, const char *w, size_t n) {
  if ((size_t)(r->end - r->p) >= n && memcmp(r->p, w, n) == 0) {
    r->p += n;
    return 1;
  }
  return 0;
}

/* A JSON number's text; *integer says whether it is digits only. */
static bloop_status read_number(bloopi_jr *r, const char **s, size_t *len, int *integer) {
  const char *p = r->p, *end = r->end, *start = p;
  int whole = 1;
  if (p < end && *p == '-') p++;
  if (p < end && *p == '0') {
    p++;
  } else if (p < end && *p >= '1' && *p <= '9') {
    while (p < end && *p >= '0' && *p <= '9') p++;
  } else {
    r->p = p;
    return syntax(r);
  }
  if (p < end && *p == '.') {
    whole = 0;
    if (++p >= end || *p < '0' || *p > '9') { r->p = p; return syntax(r); }
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    whole = 0;
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || *p < '0' || *p > '9') { r->p = p; return syntax(r); }
    while (p < end && *p >= '0' && *p <= '9') p++;
  }
  *s = start;
  *len = (size_t)(p - start);
  *integer = whole && *start != '-';
  r->p = p;
  return BLOOP_OK;
}

/* ---- structure -------------------------------------------------------------------- */

void bloopi_jr_init(bloopi_jr *r, const char *text, size_t len, bloop_arena *a,
                    bloop_error *err, const char *root) {
  r->text = r->p = text ? text : "";
  r->end = r->text + (text ? len : 0);
  r->a = a;
  r->err = err;
  r->failed = BLOOP_OK;
  r->root = root ? root : "value";
  r->root_index = 0;
  r->has_root_index = 0;
  r->nframes = 0;
}

void bloopi_jr_set_root(bloopi_jr *r, const char *root, size_t index) {
  r->root = root;
  r->root_index = index;
  r->has_root_index = 1;
}

bloop_status bloopi_jr_object_begin(bloopi_jr *r) {
  if (r->failed) return r->failed;
  return eat(r, '{') ? BLOOP_OK : syntax(r);
}

bloop_status bloopi_jr_array_begin(bloopi_jr *r) {
  if (r->failed) return r->failed;
  return eat(r, '[') ? BLOOP_OK : syntax(r);
}

/* After an element: ',' (then another follows) or the closing byte. */
static int next_of(bloopi_jr *r, size_t *index, char close) {
  if (r->failed) return -1;
  if (*index == 0) {
    if (eat(r, close)) return 0;
  } else if (!eat(r, ',')) {
    if (eat(r, close)) return 0;
    syntax(r);
    return -1;
  }
  (*index)++;
  return 1;
}

int bloopi_jr_object_next(bloopi_jr *r, size_t *index, const char **key, size_t *key_len) {
  int more = next_of(r, index, '}');
  if (more <= 0) return more;
  if (read_string(r, key, key_len) != BLOOP_OK) return -1;
  if (!eat(r, ':')) {
    syntax(r);
    return -1;
  }
  return 1;
}

int bloopi_jr_array_next(bloopi_jr *r, size_t *index) { return next_of(r, index, ']'); }

/* Nesting bound for skipped values (attribute values have their own, BLOOP_MAX_DEPTH). */
#define SKIP_DEPTH 256

static bloop_status skip(bloopi_jr *r, int depth) {
  if (r->failed) return r->failed;
  if (depth > SKIP_DEPTH) return syntax(r);
  int c = peek(r);
  const char *s;
  size_t n, i = 0;
  int integer, more;
  switch (c) {
    case '"':
      return read_string_nul(r, &s, &n, 1);
    case '{':
      r->p++;
      while ((more = bloopi_jr_object_next(r, &i, &s, &n)) == 1)
        if (skip(r, depth + 1) != BLOOP_OK) return r->failed;
      return more == 0 ? BLOOP_OK : r->failed;
    case '[':
      r->p++;
      while ((more = bloopi_jr_array_next(r, &i)) == 1)
        if (skip(r, depth + 1) != BLOOP_OK) return r->failed;
      return more == 0 ? BLOOP_OK : r->failed;
    case 't':
      return read_word(r, "true", 4) ? BLOOP_OK : syntax(r);
    case 'f':
      return read_word(r, "false", 5) ? BLOOP_OK : syntax(r);
    case 'n':
      return read_word(r, "null", 4) ? BLOOP_OK : syntax(r);
    default:
      return read_number(r, &s, &n, &integer);
  }
}

bloop_status bloopi_jr_skip(bloopi_jr *r) { return skip(r, 0); }

bloop_status bloopi_jr_pass(bloopi_jr *r) {
  if (r->failed) return r->failed;
  int c = peek(r);
  if (c != '{' && c != '[') return syntax(r);
  const char *p = r->p, *end = r->end;
  size_t depth = 0;
  while (p < end) {
    char ch = *p++;
    if (ch == '"') {
      while (p < end && *p != '"') p += *p == '\\' ? 2 : 1;
      if (p >= end) break;
      p++;
    } else if (ch == '{' || ch == '[') {
      depth++;
    } else if (ch == '}' || ch == ']') {
      if (--depth == 0) {
        r->p = p;
        return BLOOP_OK;
      }
    }
  }
  r->p = end;
  return syntax(r);
}

bloop_status bloopi_jr_count(bloopi_jr *r, size_t *out) {
  *out = 0;
  if (r->failed) return r->failed;
  int c = peek(r);
  if (c != '-' && (c < '0' || c > '9')) return syntax(r);
  const char *s;
  size_t n;
  int integer;
  bloop_status st = read_number(r, &s, &n, &integer);
  if (st != BLOOP_OK || !integer) return st;
  size_t v = 0;
  for (size_t i = 0; i < n; i++) {
    size_t d = (size_t)(s[i] - '0');
    if (v > ((size_t)-1 - d) / 10) return BLOOP_OK;  /* beyond size_t: not a count */
    v = v * 10 + d;
  }
  *out = v;
  return BLOOP_OK;
}

bloop_status bloopi_jr_end(bloopi_jr *r) {
  if (r->failed) return r->failed;
  if (peek(r) < 0) return BLOOP_OK;
  r->failed = BLOOP_EINVAL;
  return bloop_error_set(r->err, BLOOP_EINVAL, "InvalidJSON",
                         "%s: unexpected text after the JSON value (at byte %zu)", r->root,
                         (size_t)(r->p - r->text));
}

size_t bloopi_jr_offset(const bloopi_jr *r) { return (size_t)(r->p - r->text); }

void bloopi_jr_seek(bloopi_jr *r, size_t offset) { r->p = r->text + offset; }

/* ---- attribute values ------------------------------------------------------------- */

/* A string payload of S, N or B (scalar or set member) into out. */
static bloop_status rd_scalar(bloopi_jr *r, bloop_type t, bloop_value *out) {
  if (peek(r) != '"') return fail(r, "not a string");
  const char *s;
  size_t len;
  if (read_string_nul(r, &s, &len, t != BLOOP_TYPE_N) != BLOOP_OK) return r->failed;
  if (t == BLOOP_TYPE_B) {
    const char *raw;
    size_t rlen;
    int ok = bloopi_base64_decode(s, len, r->a, &raw, &rlen);
    if (ok < 0) return nomem(r);
    if (ok == 0) return fail(r, "not valid base64");
    out->type = BLOOP_TYPE_B;
    out->u.bytes.ptr = raw;
    out->u.bytes.len = rlen;
    return BLOOP_OK;
  }
  if (t == BLOOP_TYPE_S) {
    if (!bloopi_utf8_valid(s, len)) return fail(r, "not valid UTF-8");
  } else {
    bloop_decimal num;
    bloop_error e = BLOOP_ERROR_INIT;
    if (bloop_decimal_parse(&num, s, len, &e) != BLOOP_OK) {
      bloopi_path p;
      render_path(r, &p);
      r->failed = BLOOP_EINVAL;
      return bloop_error_set(r->err, BLOOP_EINVAL, e.code, "%s: %s", p.buf, e.message);
    }
  }
  const char *copy = bloop_arena_memdup(r->a, s, len);
  if (!copy) return nomem(r);
  out->type = t;
  out->u.bytes.ptr = copy;
  out->u.bytes.len = len;
  return BLOOP_OK;
}

static bloop_status rd_value(bloopi_jr *r, bloop_value *out, int depth);

/* The members of an object begun ('{' consumed) into out, an M. */
static bloop_status rd_members(bloopi_jr *r, bloop_value *out, int depth) {
  if (bloop_value_set_map(out, r->a, 8, NULL) != BLOOP_OK) return nomem(r);
  size_t i = 0;
  const char *name;
  size_t nlen;
  int more;
  while ((more = bloopi_jr_object_next(r, &i, &name, &nlen)) == 1) {
    push_frame(r, 0, name, nlen);
    if (!bloopi_utf8_valid(name, nlen)) return fail(r, "name is not valid UTF-8");
    bloop_value *slot = bloop_value_map_add(out, r->a, name, nlen);
    if (!slot) return nomem(r);
    if (rd_value(r, slot, depth) != BLOOP_OK) return r->failed;
    pop_frame(r);
  }
  if (more < 0) return r->failed;
  size_t dup = bloopi_map_find_dup(out);
  if (dup == BLOOPI_DUP_NOMEM) return nomem(r);
  if (dup != BLOOPI_NO_DUP) {
    push_frame(r, 0, out->u.map.members[dup].name, out->u.map.members[dup].name_len);
    return fail(r, "duplicate key");
  }
  return BLOOP_OK;
}

/* The elements of a set or list payload ('[' consumed) into out. */
static bloop_status rd_elements(bloopi_jr *r, bloop_type t, bloop_value *out, int depth) {
  int is_set = t != BLOOP_TYPE_L;
  bloop_type mt = bloop_type_member(t);
  if (bloop_value_set_list(out, r->a, t, 4, NULL) != BLOOP_OK) return nomem(r);
  size_t i = 0;
  int more;
  while ((more = bloopi_jr_array_next(r, &i)) == 1) {
    bloop_value *slot = bloop_value_append(out, r->a);
    if (!slot) return nomem(r);
    push_frame(r, 1, NULL, i - 1);
    bloop_status st = is_set ? rd_scalar(r, mt, slot) : rd_value(r, slot, depth + 1);
    if (st != BLOOP_OK) return st;
    pop_frame(r);
  }
  if (more < 0) return r->failed;
  if (!is_set) return BLOOP_OK;
  if (out->u.list.count == 0) return fail(r, "empty set");
  size_t dup = bloopi_set_find_dup(out);
  if (dup == BLOOPI_DUP_NOMEM) return nomem(r);
  if (dup != BLOOPI_NO_DUP) {
    push_frame(r, 1, NULL, dup);
    return fail(r, "duplicate set member");
  }
  return BLOOP_OK;
}

/* One attribute value {"TAG": payload}; depth counts enclosing L/M levels + 1. */
static bloop_status rd_value(bloopi_jr *r, bloop_value *out, int depth) {
  memset(out, 0, sizeof *out);
  int first = peek(r);
  if (first != '{') {
    /* another JSON value is the wrong shape; anything else is not JSON */
    if (first > 0 && strchr("\"[-0123456789tfn", first))
      return fail(r, "not an attribute value (expected an object)");
    return syntax(r);
  }
  r->p++;
  size_t i = 0;
  const char *tag;
  size_t tlen;
  int more = bloopi_jr_object_next(r, &i, &tag, &tlen);
  if (more < 0) return r->failed;
  if (more == 0) return fail(r, "attribute value has no type tag");
  bloop_type t = bloop_type_from_tag(tag, tlen);
  if (t == BLOOP_TYPE_NONE) {
    char what[96];
    snprintf(what, sizeof what, "unknown type tag \"%.*s\"", (int)(tlen > 40 ? 40 : tlen), tag);
    return fail(r, what);
  }
  push_frame(r, 2, NULL, (size_t)t);
  int c = peek(r);
  switch (t) {
    case BLOOP_TYPE_S:
    case BLOOP_TYPE_N:
    case BLOOP_TYPE_B:
      if (rd_scalar(r, t, out) != BLOOP_OK) return r->failed;
      break;
    case BLOOP_TYPE_BOOL:
      if (c == 't' && read_word(r, "true", 4)) bloop_value_set_bool(out, 1);
      else if (c == 'f' && read_word(r, "false", 5)) bloop_value_set_bool(out, 0);
      else return fail(r, "not a boolean");
      break;
    case BLOOP_TYPE_NULL:
      if (!(c == 't' && read_word(r, "true", 4))) return fail(r, "must be true");
      bloop_value_set_null(out);
      break;
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS:
    case BLOOP_TYPE_BS:
    case BLOOP_TYPE_L:
      if (c != '[') return fail(r, "not an array");
      if (t == BLOOP_TYPE_L && depth > BLOOP_MAX_DEPTH)
        return fail(r, "nesting deeper than 32 levels");
      r->p++;
      if (rd_elements(r, t, out, depth) != BLOOP_OK) return r->failed;
      break;
    case BLOOP_TYPE_M:
      if (c != '{') return fail(r, "not an object");
      if (depth > BLOOP_MAX_DEPTH) return fail(r, "nesting deeper than 32 levels");
      r->p++;
      if (rd_members(r, out, depth + 1) != BLOOP_OK) return r->failed;
      break;
    case BLOOP_TYPE_NONE:
      break;
  }
  pop_frame(r);
  more = bloopi_jr_object_next(r, &i, &tag, &tlen);
  if (more < 0) return r->failed;
  if (more > 0) return fail(r, "more than one type tag in an attribute value");
  return BLOOP_OK;
}

/* On failure *out is left as an empty NULL value so callers never see a half tree; its
 * arena bytes stay allocated until the arena is freed. */
static bloop_status finish(bloopi_jr *r, bloop_value *out) {
  if (r->failed) bloop_value_set_null(out);
  r->nframes = 0;
  return r->failed;
}

bloop_status bloopi_jr_value(bloopi_jr *r, bloop_value *out) {
  if (r->failed) return r->failed;
  rd_value(r, out, 1);
  return finish(r, out);
}

bloop_status bloopi_jr_item_text(bloopi_jr *r, bloop_value *out, const char **text,
                                 size_t *len) {
  peek(r);  /* past whitespace, to the '{' */
  const char *start = r->p;
  bloop_status st = bloopi_jr_item(r, out);
  *text = st == BLOOP_OK ? start : NULL;
  *len = st == BLOOP_OK ? (size_t)(r->p - start) : 0;
  return st;
}

bloop_status bloopi_jr_item(bloopi_jr *r, bloop_value *out) {
  memset(out, 0, sizeof *out);
  if (r->failed) return r->failed;
  int first = peek(r);
  if (first != '{') {
    if (first > 0 && strchr("\"[-0123456789tfn", first))
      fail(r, "not an item (expected an object of attribute values)");
    else
      syntax(r);
    return finish(r, out);
  }
  r->p++;
  rd_members(r, out, 1);
  return finish(r, out);
}
