/*
 * value.c: the bloop_value tree: building, reading, validating, equality, copy and item
 * size. See include/bloop/value.h for the representation and why it was chosen. Also the
 * paths that name a place in a value in messages (value_path.h) and the UTF-8 validator
 * (utf8.h), which the layers above share.
 */
#include "bloop/value.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/value_internal.h"

/* ---- types ------------------------------------------------------------------------ */

static const char *const type_names[] = {"NONE", "S",  "N",  "B",  "BOOL", "NULL",
                                         "SS",   "NS", "BS", "L",  "M"};

const char *bloop_type_name(bloop_type t) {
  if ((unsigned)t < sizeof type_names / sizeof type_names[0]) return type_names[t];
  return "NONE";
}

bloop_type bloop_type_from_tag(const char *tag, size_t len) {
  /* Called once per attribute value when decoding a page: no strlen, no loop. */
  if (!tag) return BLOOP_TYPE_NONE;
  switch (len) {
    case 1:
      return tag[0] == 'S' ? BLOOP_TYPE_S : tag[0] == 'N' ? BLOOP_TYPE_N
           : tag[0] == 'B' ? BLOOP_TYPE_B : tag[0] == 'L' ? BLOOP_TYPE_L
           : tag[0] == 'M' ? BLOOP_TYPE_M : BLOOP_TYPE_NONE;
    case 2:
      if (tag[1] != 'S') return BLOOP_TYPE_NONE;
      return tag[0] == 'S' ? BLOOP_TYPE_SS : tag[0] == 'N' ? BLOOP_TYPE_NS
           : tag[0] == 'B' ? BLOOP_TYPE_BS : BLOOP_TYPE_NONE;
    case 4:
      if (memcmp(tag, "BOOL", 4) == 0) return BLOOP_TYPE_BOOL;
      if (memcmp(tag, "NULL", 4) == 0) return BLOOP_TYPE_NULL;
      return BLOOP_TYPE_NONE;
    default:
      return BLOOP_TYPE_NONE;
  }
}

int bloop_type_is_set(bloop_type t) {
  return t == BLOOP_TYPE_SS || t == BLOOP_TYPE_NS || t == BLOOP_TYPE_BS;
}

bloop_type bloop_type_member(bloop_type set) {
  return set == BLOOP_TYPE_SS   ? BLOOP_TYPE_S
         : set == BLOOP_TYPE_NS ? BLOOP_TYPE_N
         : set == BLOOP_TYPE_BS ? BLOOP_TYPE_B
                                : BLOOP_TYPE_NONE;
}

/* ---- paths and UTF-8 ----------------------------------------------------------------- */

static size_t path_append(bloopi_path *p, const char *s, size_t n) {
  size_t old = p->len;
  size_t room = BLOOPI_PATH_MAX - 1 - p->len;
  if (n > room) n = room;
  memcpy(p->buf + p->len, s, n);
  p->len += n;
  p->buf[p->len] = '\0';
  return old;
}

void bloopi_path_init(bloopi_path *p, const char *root) {
  p->len = 0;
  p->buf[0] = '\0';
  path_append(p, root, strlen(root));
}

size_t bloopi_path_key(bloopi_path *p, const char *name, size_t len) {
  size_t old = path_append(p, ".", 1);
  if (len > 64) {
    size_t cut = 64;
    while (cut > 0 && ((unsigned char)name[cut] & 0xC0) == 0x80) cut--;  /* whole chars */
    path_append(p, name, cut);
    path_append(p, "...", 3);
  } else {
    path_append(p, name, len);
  }
  return old;
}

size_t bloopi_path_index(bloopi_path *p, size_t i) {
  char tmp[32];   /* "[" digits "]" written backwards: no printf on the decode path */
  size_t k = sizeof tmp;
  tmp[--k] = ']';
  do {
    tmp[--k] = (char)('0' + i % 10);
    i /= 10;
  } while (i);
  tmp[--k] = '[';
  return path_append(p, tmp + k, sizeof tmp - k);
}

size_t bloopi_path_tag(bloopi_path *p, bloop_type t) {
  size_t old = path_append(p, ".", 1);
  const char *s = bloop_type_name(t);
  path_append(p, s, strlen(s));
  return old;
}

/* RFC 3629: shortest forms only, no surrogates, nothing above U+10FFFF. */
int bloopi_utf8_valid(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < len) {
    unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t n;
    unsigned min, cp;
    if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (len - i <= n) return 0;
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    i += n + 1;
  }
  return 1;
}

/* ---- building ------------------------------------------------------------------------ */

static bloop_status nomem(bloop_error *err) {
  return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory building a value");
}

void bloop_value_set_null(bloop_value *v) {
  memset(v, 0, sizeof *v);
  v->type = BLOOP_TYPE_NULL;
}

void bloop_value_set_bool(bloop_value *v, int b) {
  memset(v, 0, sizeof *v);
  v->type = BLOOP_TYPE_BOOL;
  v->u.boolean = b != 0;
}

static bloop_status set_bytes(bloop_value *v, bloop_type t, bloop_arena *a, const void *p,
                              size_t len, bloop_error *err) {
  char *copy = bloop_arena_memdup(a, p, len);
  if (!copy) return nomem(err);
  v->type = t;
  v->u.bytes.ptr = copy;
  v->u.bytes.len = len;
  return BLOOP_OK;
}

bloop_status bloop_value_set_s(bloop_value *v, bloop_arena *a, const char *s, size_t len,
                               bloop_error *err) {
  return set_bytes(v, BLOOP_TYPE_S, a, s, len, err);
}

bloop_status bloop_value_set_n(bloop_value *v, bloop_arena *a, const char *text, size_t len,
                               bloop_error *err) {
  bloop_decimal d;
  bloop_status st = bloop_decimal_parse(&d, text, len, err);
  if (st != BLOOP_OK) return st;
  return set_bytes(v, BLOOP_TYPE_N, a, text, len, err);
}

bloop_status bloop_value_set_n_decimal(bloop_value *v, bloop_arena *a, bloop_decimal d,
                                       bloop_error *err) {
  char buf[BLOOP_DECIMAL_STRING_MAX];
  size_t n = bloop_decimal_format(d, buf);
  return set_bytes(v, BLOOP_TYPE_N, a, buf, n, err);
}

bloop_status bloop_value_set_b(bloop_value *v, bloop_arena *a, const void *p, size_t len,
                               bloop_error *err) {
  return set_bytes(v, BLOOP_TYPE_B, a, p, len, err);
}

bloop_status bloop_value_set_list(bloop_value *v, bloop_arena *a, bloop_type type, size_t cap,
                                  bloop_error *err) {
  if (type != BLOOP_TYPE_L && !bloop_type_is_set(type))
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                           "bloop_value_set_list: %s is not a list or set type",
                           bloop_type_name(type));
  bloop_value *items = NULL;
  if (cap) {
    /* Not zeroed: slots past count are never read, and append clears each new slot. */
    items = cap > SIZE_MAX / sizeof *items ? NULL : bloop_arena_alloc(a, cap * sizeof *items);
    if (!items) return nomem(err);
  }
  v->type = type;
  v->u.list.items = items;
  v->u.list.count = 0;
  v->u.list.cap = cap;
  return BLOOP_OK;
}

bloop_status bloop_value_set_map(bloop_value *v, bloop_arena *a, size_t cap, bloop_error *err) {
  bloop_member *m = NULL;
  if (cap) {
    m = cap > SIZE_MAX / sizeof *m ? NULL : bloop_arena_alloc(a, cap * sizeof *m);
    if (!m) return nomem(err);
  }
  v->type = BLOOP_TYPE_M;
  v->u.map.members = m;
  v->u.map.count = 0;
  v->u.map.cap = cap;
  return BLOOP_OK;
}

/* Growing inside an arena abandons the old block; doubling keeps the waste below the
 * final size. The JSON reader (json_read.c) does grow: it cannot know a list's or map's
 * length before reading it, so it starts small (4 elements, 8 members) and doubles. */
static void *grow(bloop_arena *a, void *old, size_t count, size_t *cap, size_t elem) {
  size_t ncap = *cap ? *cap * 2 : 4;
  if (ncap < *cap || ncap > SIZE_MAX / elem) return NULL;
  void *p = bloop_arena_alloc(a, ncap * elem);
  if (!p) return NULL;
  if (count) memcpy(p, old, count * elem);
  *cap = ncap;
  return p;
}

bloop_value *bloop_value_append(bloop_value *list, bloop_arena *a) {
  if (list->type != BLOOP_TYPE_L && !bloop_type_is_set(list->type)) return NULL;
  if (list->u.list.count == list->u.list.cap) {
    bloop_value *p = grow(a, list->u.list.items, list->u.list.count, &list->u.list.cap,
                          sizeof *p);
    if (!p) return NULL;
    list->u.list.items = p;
  }
  bloop_value *slot = &list->u.list.items[list->u.list.count++];
  memset(slot, 0, sizeof *slot);
  return slot;
}

bloop_value *bloop_value_map_add(bloop_value *m, bloop_arena *a, const char *name,
                                 size_t name_len) {
  if (m->type != BLOOP_TYPE_M) return NULL;
  char *copy = bloop_arena_memdup(a, name, name_len);
  if (!copy) return NULL;
  if (m->u.map.count == m->u.map.cap) {
    bloop_member *p = grow(a, m->u.map.members, m->u.map.count, &m->u.map.cap, sizeof *p);
    if (!p) return NULL;
    m->u.map.members = p;
  }
  bloop_member *mem = &m->u.map.members[m->u.map.count++];
  mem->name = copy;
  mem->name_len = name_len;
  memset(&mem->value, 0, sizeof mem->value);
  return &mem->value;
}

void bloop_value_pop(bloop_value *v) {
  if (v->type == BLOOP_TYPE_M) {
    if (v->u.map.count) v->u.map.count--;
  } else if ((v->type == BLOOP_TYPE_L || bloop_type_is_set(v->type)) && v->u.list.count) {
    v->u.list.count--;
  }
}

bloop_value *bloop_value_map_put(bloop_value *m, bloop_arena *a, const char *name,
                                 size_t name_len) {
  if (m->type != BLOOP_TYPE_M) return NULL;
  for (size_t i = 0; i < m->u.map.count; i++) {
    bloop_member *mem = &m->u.map.members[i];
    if (mem->name_len == name_len && memcmp(mem->name, name, name_len) == 0) {
      memset(&mem->value, 0, sizeof mem->value);
      return &mem->value;
    }
  }
  return bloop_value_map_add(m, a, name, name_len);
}

/* ---- reading ------------------------------------------------------------------------ */

size_t bloop_value_count(const bloop_value *v) {
  if (v->type == BLOOP_TYPE_M) return v->u.map.count;
  if (v->type == BLOOP_TYPE_L || bloop_type_is_set(v->type)) return v->u.list.count;
  return 0;
}

const bloop_value *bloop_value_at(const bloop_value *v, size_t i) {
  if (v->type != BLOOP_TYPE_L && !bloop_type_is_set(v->type)) return NULL;
  return i < v->u.list.count ? &v->u.list.items[i] : NULL;
}

const bloop_value *bloop_value_get(const bloop_value *m, const char *name, size_t name_len) {
  if (m->type != BLOOP_TYPE_M) return NULL;
  const bloop_member *mem = m->u.map.members;
  for (size_t i = 0, n = m->u.map.count; i < n; i++)
    if (mem[i].name_len == name_len && memcmp(mem[i].name, name, name_len) == 0)
      return &mem[i].value;
  return NULL;
}

const char *bloop_value_bytes(const bloop_value *v, size_t *len) {
  if (v->type != BLOOP_TYPE_S && v->type != BLOOP_TYPE_N && v->type != BLOOP_TYPE_B) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = v->u.bytes.len;
  return v->u.bytes.ptr;
}

bloop_status bloop_value_decimal(const bloop_value *v, bloop_decimal *out, bloop_error *err) {
  if (v->type != BLOOP_TYPE_N)
    return bloop_error_set(err, BLOOP_EINVAL, "TypeMismatch", "expected an N value, got %s",
                           bloop_type_name(v->type));
  return bloop_decimal_parse(out, v->u.bytes.ptr, v->u.bytes.len, err);
}

/* ---- duplicates and set order --------------------------------------------------------- */

typedef struct skey {
  bloop_decimal d;
  const char *p;
  size_t len;
  size_t idx;
  int num;   /* d is valid (NS member that parsed) */
} skey;

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  if (c) return c;
  return an < bn ? -1 : an > bn;
}

static int skey_cmp_val(const skey *x, const skey *y) {
  if (x->num && y->num) return bloop_decimal_compare(x->d, y->d);
  if (x->num != y->num) return x->num ? -1 : 1;
  return bytes_cmp(x->p, x->len, y->p, y->len);
}

static int skey_cmp(const void *a, const void *b) {
  const skey *x = a, *y = b;
  int c = skey_cmp_val(x, y);
  if (c) return c;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void skey_fill(skey *k, const bloop_value *v, size_t idx, int numeric) {
  k->idx = idx;
  k->num = 0;
  if (v->type == BLOOP_TYPE_S || v->type == BLOOP_TYPE_N || v->type == BLOOP_TYPE_B) {
    k->p = v->u.bytes.ptr;
    k->len = v->u.bytes.len;
    if (numeric && v->type == BLOOP_TYPE_N)
      k->num = bloop_decimal_parse(&k->d, k->p, k->len, NULL) == BLOOP_OK;
  } else {
    k->p = "";
    k->len = 0;
  }
}

#define SMALL 16

/* Smallest index equal to an earlier one (by sort, so large sets cost n log n). */
static size_t find_dup(skey *keys, size_t n) {
  size_t best = BLOOPI_NO_DUP;
  if (n <= SMALL) {
    for (size_t i = 1; i < n; i++)
      for (size_t j = 0; j < i; j++)
        if (skey_cmp_val(&keys[i], &keys[j]) == 0) return i;
    return best;
  }
  qsort(keys, n, sizeof *keys, skey_cmp);
  for (size_t i = 1; i < n; i++)
    if (skey_cmp_val(&keys[i], &keys[i - 1]) == 0 && keys[i].idx < best) best = keys[i].idx;
  return best;
}

size_t bloopi_set_find_dup(const bloop_value *set) {
  size_t n = set->u.list.count;
  skey small[SMALL], *keys = n <= SMALL ? small : malloc(n * sizeof *keys);
  if (!keys) return BLOOPI_DUP_NOMEM;
  for (size_t i = 0; i < n; i++)
    skey_fill(&keys[i], &set->u.list.items[i], i, set->type == BLOOP_TYPE_NS);
  size_t r = find_dup(keys, n);
  if (keys != small) free(keys);
  return r;
}

bloop_status bloop_value_dedupe(bloop_value *set, bloop_error *err) {
  if (!bloop_type_is_set(set->type)) return BLOOP_OK;
  /* One duplicate removed per search: sets are small, and a repeated member is rare. */
  for (;;) {
    size_t i = bloopi_set_find_dup(set);
    if (i == BLOOPI_NO_DUP) return BLOOP_OK;
    if (i == BLOOPI_DUP_NOMEM) return nomem(err);
    memmove(&set->u.list.items[i], &set->u.list.items[i + 1],
            (set->u.list.count - i - 1) * sizeof *set->u.list.items);
    set->u.list.count--;
  }
}

size_t bloopi_map_find_dup(const bloop_value *map) {
  size_t n = map->u.map.count;
  skey small[SMALL], *keys = n <= SMALL ? small : malloc(n * sizeof *keys);
  if (!keys) return BLOOPI_DUP_NOMEM;
  for (size_t i = 0; i < n; i++) {
    keys[i].idx = i;
    keys[i].num = 0;
    keys[i].p = map->u.map.members[i].name;
    keys[i].len = map->u.map.members[i].name_len;
  }
  size_t r = find_dup(keys, n);
  if (keys != small) free(keys);
  return r;
}

/* ---- validation ----------------------------------------------------------------------- */

static bloop_status invalid(bloop_error *err, const bloopi_path *p, const char *what) {
  return bloop_error_set(err, BLOOP_EINVAL, "InvalidValue", "%s: %s", p->buf, what);
}

static bloop_status validate(const bloop_value *v, bloopi_path *p, int depth, bloop_error *err);

static bloop_status validate_scalar(const bloop_value *v, bloopi_path *p, bloop_error *err) {
  if (v->type == BLOOP_TYPE_S && !bloopi_utf8_valid(v->u.bytes.ptr, v->u.bytes.len))
    return invalid(err, p, "not valid UTF-8");
  if (v->type == BLOOP_TYPE_N) {
    bloop_decimal d;
    bloop_error e = BLOOP_ERROR_INIT;
    if (bloop_decimal_parse(&d, v->u.bytes.ptr, v->u.bytes.len, &e) != BLOOP_OK)
      return bloop_error_set(err, BLOOP_EINVAL, e.code, "%s: %s", p->buf, e.message);
  }
  return BLOOP_OK;
}

static bloop_status validate(const bloop_value *v, bloopi_path *p, int depth, bloop_error *err) {
  size_t mark = bloopi_path_tag(p, v->type);
  bloop_status st = BLOOP_OK;
  switch (v->type) {
    case BLOOP_TYPE_NONE:
      bloopi_path_pop(p, mark);
      return invalid(err, p, "unfilled value");
    case BLOOP_TYPE_S:
    case BLOOP_TYPE_N:
    case BLOOP_TYPE_B:
      st = validate_scalar(v, p, err);
      break;
    case BLOOP_TYPE_BOOL:
    case BLOOP_TYPE_NULL:
      break;
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS:
    case BLOOP_TYPE_BS: {
      if (v->u.list.count == 0) {
        st = invalid(err, p, "empty set");
        break;
      }
      bloop_type mt = bloop_type_member(v->type);
      for (size_t i = 0; i < v->u.list.count && st == BLOOP_OK; i++) {
        size_t m2 = bloopi_path_index(p, i);
        const bloop_value *e = &v->u.list.items[i];
        if (e->type != mt) {
          char what[64];
          snprintf(what, sizeof what, "set member is %s, expected %s", bloop_type_name(e->type),
                   bloop_type_name(mt));
          st = invalid(err, p, what);
        } else {
          st = validate_scalar(e, p, err);
        }
        bloopi_path_pop(p, m2);
      }
      if (st != BLOOP_OK) break;
      size_t dup = bloopi_set_find_dup(v);
      if (dup == BLOOPI_DUP_NOMEM) {
        st = nomem(err);
      } else if (dup != BLOOPI_NO_DUP) {
        bloopi_path_index(p, dup);
        st = invalid(err, p, "duplicate set member");
      }
      break;
    }
    case BLOOP_TYPE_L:
    case BLOOP_TYPE_M:
      if (depth > BLOOP_MAX_DEPTH) {
        st = invalid(err, p, "nesting deeper than 32 levels");
        break;
      }
      if (v->type == BLOOP_TYPE_L) {
        for (size_t i = 0; i < v->u.list.count && st == BLOOP_OK; i++) {
          size_t m2 = bloopi_path_index(p, i);
          st = validate(&v->u.list.items[i], p, depth + 1, err);
          bloopi_path_pop(p, m2);
        }
        break;
      }
      for (size_t i = 0; i < v->u.map.count && st == BLOOP_OK; i++) {
        const bloop_member *m = &v->u.map.members[i];
        size_t m2 = bloopi_path_key(p, m->name, m->name_len);
        if (!bloopi_utf8_valid(m->name, m->name_len))
          st = invalid(err, p, "name is not valid UTF-8");
        else
          st = validate(&m->value, p, depth + 1, err);
        bloopi_path_pop(p, m2);
      }
      if (st != BLOOP_OK) break;
      {
        size_t dup = bloopi_map_find_dup(v);
        if (dup == BLOOPI_DUP_NOMEM) {
          st = nomem(err);
        } else if (dup != BLOOPI_NO_DUP) {
          const bloop_member *m = &v->u.map.members[dup];
          bloopi_path_key(p, m->name, m->name_len);
          st = invalid(err, p, "duplicate key");
        }
      }
      break;
  }
  bloopi_path_pop(p, mark);
  return st;
}

bloop_status bloop_value_validate(const bloop_value *v, const char *path, bloop_error *err) {
  bloopi_path p;
  bloopi_path_init(&p, path ? path : "value");
  return validate(v, &p, 1, err);
}

bloop_status bloop_item_validate(const bloop_value *item, const char *path, bloop_error *err) {
  bloopi_path p;
  bloopi_path_init(&p, path ? path : "Item");
  if (item->type != BLOOP_TYPE_M) return invalid(err, &p, "an item must be a map");
  bloop_status st = BLOOP_OK;
  for (size_t i = 0; i < item->u.map.count && st == BLOOP_OK; i++) {
    const bloop_member *m = &item->u.map.members[i];
    size_t mark = bloopi_path_key(&p, m->name, m->name_len);
    if (!bloopi_utf8_valid(m->name, m->name_len))
      st = invalid(err, &p, "name is not valid UTF-8");
    else
      st = validate(&m->value, &p, 1, err);
    bloopi_path_pop(&p, mark);
  }
  if (st != BLOOP_OK) return st;
  size_t dup = bloopi_map_find_dup(item);
  if (dup == BLOOPI_DUP_NOMEM) return nomem(err);
  if (dup != BLOOPI_NO_DUP) {
    const bloop_member *m = &item->u.map.members[dup];
    bloopi_path_key(&p, m->name, m->name_len);
    return invalid(err, &p, "duplicate key");
  }
  return BLOOP_OK;
}

/* ---- equality --------------------------------------------------------------------------- */

static int n_equal(const char *a, size_t an, const char *b, size_t bn) {
  bloop_decimal x, y;
  if (bloop_decimal_parse(&x, a, an, NULL) == BLOOP_OK &&
      bloop_decimal_parse(&y, b, bn, NULL) == BLOOP_OK)
    return bloop_decimal_compare(x, y) == 0;
  return an == bn && memcmp(a, b, an) == 0;   /* unvalidated text: only identical is equal */
}

static int set_equal(const bloop_value *a, const bloop_value *b) {
  size_t n = a->u.list.count;
  if (n != b->u.list.count) return 0;
  int numeric = a->type == BLOOP_TYPE_NS;
  skey sa[SMALL], sb[SMALL];
  skey *ka = n <= SMALL ? sa : malloc(n * sizeof *ka);
  skey *kb = n <= SMALL ? sb : malloc(n * sizeof *kb);
  int eq = 1;
  if (!ka || !kb) {
    /* No memory to sort: containment both ways (exact for duplicate-free sets). */
    for (size_t i = 0; i < n && eq; i++) {
      int found = 0;
      for (size_t j = 0; j < n && !found; j++)
        found = bloop_value_equal(&a->u.list.items[i], &b->u.list.items[j]);
      eq = found;
    }
    for (size_t i = 0; i < n && eq; i++) {
      int found = 0;
      for (size_t j = 0; j < n && !found; j++)
        found = bloop_value_equal(&b->u.list.items[i], &a->u.list.items[j]);
      eq = found;
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      skey_fill(&ka[i], &a->u.list.items[i], i, numeric);
      skey_fill(&kb[i], &b->u.list.items[i], i, numeric);
      if (a->u.list.items[i].type != b->u.list.items[i].type) eq = 0;
    }
    if (eq) {
      qsort(ka, n, sizeof *ka, skey_cmp);
      qsort(kb, n, sizeof *kb, skey_cmp);
      for (size_t i = 0; i < n && eq; i++) eq = skey_cmp_val(&ka[i], &kb[i]) == 0;
    }
  }
  if (ka != sa) free(ka);
  if (kb != sb) free(kb);
  return eq;
}

int bloop_value_equal(const bloop_value *a, const bloop_value *b) {
  if (a->type != b->type) return 0;
  switch (a->type) {
    case BLOOP_TYPE_NONE:
    case BLOOP_TYPE_NULL:
      return 1;
    case BLOOP_TYPE_BOOL:
      return a->u.boolean == b->u.boolean;
    case BLOOP_TYPE_S:
    case BLOOP_TYPE_B:
      return a->u.bytes.len == b->u.bytes.len &&
             memcmp(a->u.bytes.ptr, b->u.bytes.ptr, a->u.bytes.len) == 0;
    case BLOOP_TYPE_N:
      return n_equal(a->u.bytes.ptr, a->u.bytes.len, b->u.bytes.ptr, b->u.bytes.len);
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS:
    case BLOOP_TYPE_BS:
      return set_equal(a, b);
    case BLOOP_TYPE_L:
      if (a->u.list.count != b->u.list.count) return 0;
      for (size_t i = 0; i < a->u.list.count; i++)
        if (!bloop_value_equal(&a->u.list.items[i], &b->u.list.items[i])) return 0;
      return 1;
    case BLOOP_TYPE_M:
      /* Names are unique in a valid map, so same count + every member found is equality. */
      if (a->u.map.count != b->u.map.count) return 0;
      for (size_t i = 0; i < a->u.map.count; i++) {
        const bloop_member *m = &a->u.map.members[i];
        const bloop_member *o = NULL;
        if (i < b->u.map.count && b->u.map.members[i].name_len == m->name_len &&
            memcmp(b->u.map.members[i].name, m->name, m->name_len) == 0)
          o = &b->u.map.members[i];   /* same order is the common case: no scan */
        const bloop_value *bv = o ? &o->value : bloop_value_get(b, m->name, m->name_len);
        if (!bv || !bloop_value_equal(&m->value, bv)) return 0;
      }
      return 1;
  }
  return 0;
}

/* ---- copy ------------------------------------------------------------------------------- */

bloop_status bloop_value_copy(bloop_value *dst, const bloop_value *src, bloop_arena *a,
                              bloop_error *err) {
  switch (src->type) {
    case BLOOP_TYPE_S:
    case BLOOP_TYPE_N:
    case BLOOP_TYPE_B:
      return set_bytes(dst, src->type, a, src->u.bytes.ptr, src->u.bytes.len, err);
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS:
    case BLOOP_TYPE_BS:
    case BLOOP_TYPE_L: {
      size_t n = src->u.list.count;
      bloop_status st = bloop_value_set_list(dst, a, src->type, n, err);
      for (size_t i = 0; i < n && st == BLOOP_OK; i++)
        st = bloop_value_copy(&dst->u.list.items[i], &src->u.list.items[i], a, err);
      if (st == BLOOP_OK) dst->u.list.count = n;
      return st;
    }
    case BLOOP_TYPE_M: {
      size_t n = src->u.map.count;
      bloop_status st = bloop_value_set_map(dst, a, n, err);
      for (size_t i = 0; i < n && st == BLOOP_OK; i++) {
        const bloop_member *s = &src->u.map.members[i];
        bloop_member *d = &dst->u.map.members[i];
        d->name = bloop_arena_memdup(a, s->name, s->name_len);
        d->name_len = s->name_len;
        st = d->name ? bloop_value_copy(&d->value, &s->value, a, err) : nomem(err);
      }
      if (st == BLOOP_OK) dst->u.map.count = n;
      return st;
    }
    default:
      *dst = *src;
      return BLOOP_OK;
  }
}

/* ---- size -------------------------------------------------------------------------------
 * DynamoDB's rule, from the AWS developer guide "DynamoDB item sizes and formats"
 * (docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 *   - String: UTF-8 bytes. Binary: raw bytes (not base64). Null, Boolean: 1 byte.
 *   - Number: "approximately (1 byte per two significant digits) + (1 byte)", leading and
 *     trailing zeros trimmed; we take ceil(digits / 2) + 1, and count zero as 1 digit.
 *   - List or Map: 3 bytes of overhead regardless of contents, plus 1 byte per element,
 *     plus the elements' sizes (for a Map, each element's name bytes too).
 *   - Each attribute of an item: name UTF-8 bytes + value size.
 * The guide gives no rule for sets; we count the sum of the members' sizes, no overhead
 * (what third-party estimators such as ddbitemsizer do). Items are checked before sending,
 * so an estimate that errs low on N can let through an item DynamoDB then refuses with
 * ValidationException: the error still arrives, just from the service. */

static size_t n_size(const char *text, size_t len) {
  bloop_decimal d;
  size_t digits = 0;
  if (bloop_decimal_parse(&d, text, len, NULL) == BLOOP_OK) {
    unsigned __int128 c = d.coef;
    digits = 1;
    while (c >= 10) {
      c /= 10;
      digits++;
    }
  } else {
    for (size_t i = 0; i < len; i++) digits += text[i] >= '0' && text[i] <= '9';
  }
  return (digits + 1) / 2 + 1;
}

size_t bloop_value_size(const bloop_value *v) {
  size_t s = 0;
  switch (v->type) {
    case BLOOP_TYPE_S:
    case BLOOP_TYPE_B:
      return v->u.bytes.len;
    case BLOOP_TYPE_N:
      return n_size(v->u.bytes.ptr, v->u.bytes.len);
    case BLOOP_TYPE_BOOL:
    case BLOOP_TYPE_NULL:
      return 1;
    case BLOOP_TYPE_SS:
    case BLOOP_TYPE_NS:
    case BLOOP_TYPE_BS:
      for (size_t i = 0; i < v->u.list.count; i++) s += bloop_value_size(&v->u.list.items[i]);
      return s;
    case BLOOP_TYPE_L:
      s = 3;
      for (size_t i = 0; i < v->u.list.count; i++)
        s += 1 + bloop_value_size(&v->u.list.items[i]);
      return s;
    case BLOOP_TYPE_M:
      s = 3;
      for (size_t i = 0; i < v->u.map.count; i++)
        s += 1 + v->u.map.members[i].name_len + bloop_value_size(&v->u.map.members[i].value);
      return s;
    case BLOOP_TYPE_NONE:
      return 0;
  }
  return 0;
}

size_t bloop_item_size(const bloop_value *item) {
  if (item->type != BLOOP_TYPE_M) return bloop_value_size(item);
  size_t s = 0;
  for (size_t i = 0; i < item->u.map.count; i++)
    s += item->u.map.members[i].name_len + bloop_value_size(&item->u.map.members[i].value);
  return s;
}
