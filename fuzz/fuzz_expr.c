/* fuzz_expr.c: libFuzzer target for condition trees and expression rendering (cond.c,
 * expr.c). The input bytes drive a small tree builder (operators, paths with names, indexes
 * and odd bytes, values of every type, shared subtrees); the tree is rendered as condition,
 * filter, key, projection and update of one request. Checks: nothing crashes or leaks, a
 * render either succeeds within the limits or fails leaving no placeholder behind, every
 * placeholder in the tables is used, and rendering the same inputs again gives
 * byte-identical text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bloop/cond.h"
#include "bloop/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok) {
  if (!ok) abort();
}

typedef struct in {
  const uint8_t *p;
  size_t n;
  bloop_arena *a;
} in;

static unsigned byte(in *s) {
  if (!s->n) return 0;
  s->n--;
  return *s->p++;
}

static const char *const NAMES[] = {"a", "b", "name", "a.b", "x+y", "é", "size", "#n0", ":v0"};

static bloop_path make_path(in *s) {
  size_t n = 1 + byte(s) % 4;
  bloop_path_elem *e = bloop_arena_calloc(s->a, n, sizeof *e);
  for (size_t i = 0; i < n; i++) {
    unsigned b = byte(s);
    if (i > 0 && (b & 1)) {
      e[i].index = b >> 1;
    } else if (b == 255) {   /* raw bytes as a name (may be invalid UTF-8 or empty) */
      size_t len = byte(s) % 4;
      char *nm = bloop_arena_alloc(s->a, len + 1);
      for (size_t k = 0; k < len; k++) nm[k] = (char)byte(s);
      e[i].name = nm;
      e[i].len = len;
    } else {
      e[i].name = NAMES[b % (sizeof NAMES / sizeof NAMES[0])];
      e[i].len = strlen(e[i].name);
    }
  }
  bloop_path p = {e, n, NULL};
  return p;
}

static void make_value(in *s, bloop_value *v, int depth) {
  bloop_error err = BLOOP_ERROR_INIT;
  unsigned t = byte(s) % 10;
  char txt[8];
  switch (t) {
    case 0: {
      size_t len = byte(s) % 4;
      for (size_t k = 0; k < len; k++) txt[k] = (char)('a' + byte(s) % 3);
      check(bloop_value_set_s(v, s->a, txt, len, &err) == BLOOP_OK);
      return;
    }
    case 1: {
      static const char *const nums[] = {"1", "1.0", "-0", "2", "1e2", "100", "0.5", "x"};
      const char *n = nums[byte(s) % 8];
      if (bloop_value_set_n(v, s->a, n, strlen(n), &err) != BLOOP_OK) bloop_value_set_null(v);
      return;
    }
    case 2: {
      size_t len = byte(s) % 3;
      for (size_t k = 0; k < len; k++) txt[k] = (char)byte(s);
      check(bloop_value_set_b(v, s->a, txt, len, &err) == BLOOP_OK);
      return;
    }
    case 3: bloop_value_set_bool(v, byte(s) & 1); return;
    case 4: bloop_value_set_null(v); return;
    case 5: case 6: case 7: {   /* SS NS BS, possibly empty or with duplicates: invalid */
      bloop_type st = t == 5 ? BLOOP_TYPE_SS : t == 6 ? BLOOP_TYPE_NS : BLOOP_TYPE_BS;
      check(bloop_value_set_list(v, s->a, st, 2, &err) == BLOOP_OK);
      size_t n = byte(s) % 3;
      for (size_t k = 0; k < n; k++) {
        bloop_value *e = bloop_value_append(v, s->a);
        char c = (char)('1' + byte(s) % 2);
        if (st == BLOOP_TYPE_NS) check(bloop_value_set_n(e, s->a, &c, 1, &err) == BLOOP_OK);
        else if (st == BLOOP_TYPE_SS) check(bloop_value_set_s(e, s->a, &c, 1, &err) == BLOOP_OK);
        else check(bloop_value_set_b(e, s->a, &c, 1, &err) == BLOOP_OK);
      }
      return;
    }
    case 8: {
      check(bloop_value_set_list(v, s->a, BLOOP_TYPE_L, 2, &err) == BLOOP_OK);
      size_t n = depth < 3 ? byte(s) % 3 : 0;
      for (size_t k = 0; k < n; k++) make_value(s, bloop_value_append(v, s->a), depth + 1);
      return;
    }
    default: {
      check(bloop_value_set_map(v, s->a, 2, &err) == BLOOP_OK);
      size_t n = depth < 3 ? byte(s) % 3 : 0;
      for (size_t k = 0; k < n; k++) {
        const char *nm = NAMES[byte(s) % 3];
        make_value(s, bloop_value_map_put(v, s->a, nm, strlen(nm)), depth + 1);
      }
      return;
    }
  }
}

static bloop_operand make_operand(in *s) {
  bloop_operand o = {NULL, NULL};
  if (byte(s) % 5 == 0) {
    bloop_path *p = bloop_arena_alloc(s->a, sizeof *p);
    *p = make_path(s);
    o.path = p;
  } else {
    bloop_value *v = bloop_arena_alloc(s->a, sizeof *v);
    make_value(s, v, 0);
    o.value = v;
  }
  return o;
}

/* Returns a new reference or NULL (empty / failed leaf). pool keeps earlier trees to share. */
static bloop_cond *make_tree(in *s, int depth, bloop_cond **pool, size_t *npool) {
  bloop_error err = BLOOP_ERROR_INIT;
  unsigned op = byte(s) % 18;
  bloop_cond *out = NULL;
  if (depth > 6 || !s->n) op = 3 + op % 12;
  if (op < 2) {
    bloop_cond *a = make_tree(s, depth + 1, pool, npool), *b = make_tree(s, depth + 1, pool, npool);
    (void)(op == 0 ? bloop_cond_and(a, b, &out, &err) : bloop_cond_or(a, b, &out, &err));
    bloop_cond_release(a);
    bloop_cond_release(b);
  } else if (op == 2) {
    bloop_cond *a = make_tree(s, depth + 1, pool, npool);
    (void)bloop_cond_not(a, &out, &err);
    bloop_cond_release(a);
  } else if (op >= 15) {   /* reuse an earlier subtree (shared, immutable) */
    if (*npool) out = bloop_cond_retain(pool[byte(s) % *npool]);
  } else {
    bloop_cond_op leaf = (bloop_cond_op)(BLOOP_COND_EQ + (op - 3));
    size_t n = leaf == BLOOP_COND_BETWEEN ? 2 : leaf == BLOOP_COND_IN ? 1 + byte(s) % 4
             : leaf >= BLOOP_COND_EXISTS ? 0 : 1;
    if (byte(s) == 0xAA) n = byte(s) % 110;   /* wrong counts, IN over 100 */
    bloop_operand *ops = bloop_arena_calloc(s->a, n ? n : 1, sizeof *ops);
    for (size_t i = 0; i < n; i++) ops[i] = make_operand(s);
    bloop_path p = make_path(s);
    if (bloop_cond_leaf(leaf, &p, ops, n, &out, &err) != BLOOP_OK) {
      check(out == NULL && err.message[0] != '\0');
    }
  }
  if (out && *npool < 16) pool[(*npool)++] = bloop_cond_retain(out);
  return out;
}

/* Every #nI / :vI in the table appears in some text. */
static void check_used(const bloop_expr *x) {
  char ph[32];
  for (size_t i = 0; i < bloop_expr_name_count(x) + bloop_expr_value_count(x); i++) {
    int name = i < bloop_expr_name_count(x);
    size_t k = name ? i : i - bloop_expr_name_count(x);
    snprintf(ph, sizeof ph, name ? "#n%zu" : ":v%zu", k);
    size_t len = strlen(ph);
    int found = 0;
    for (int p = 0; p < BLOOP_EXPR_PARTS && !found; p++) {
      const char *t = bloop_expr_text(x, (bloop_expr_part)p);
      for (const char *q = t; q && (q = strstr(q, ph)) != NULL; q += len)
        if (q[len] < '0' || q[len] > '9') found = 1;
    }
    check(found);
  }
}

static void render_all(const bloop_cond *c, const bloop_cond *f, const bloop_path *paths,
                       size_t npaths, const bloop_update *up, size_t nup, bloop_buf *out) {
  bloop_expr *x = bloop_expr_new();
  bloop_error err = BLOOP_ERROR_INIT;
  check(x != NULL);
  for (int part = 0; part < 5; part++) {
    size_t nn = bloop_expr_name_count(x), nv = bloop_expr_value_count(x);
    bloop_status st;
    switch (part) {
      case 0: st = bloop_expr_condition(x, BLOOP_EXPR_CONDITION, c, &err); break;
      case 1: st = bloop_expr_condition(x, BLOOP_EXPR_FILTER, f, &err); break;
      case 2: st = bloop_expr_key(x, f, "a", "b", &err); break;
      case 3: st = bloop_expr_projection(x, paths, npaths, &err); break;
      default: st = bloop_expr_update(x, up, nup, &err); break;
    }
    if (st != BLOOP_OK) {
      check(bloop_expr_name_count(x) == nn && bloop_expr_value_count(x) == nv);
      check(err.message[0] != '\0');
    }
  }
  for (int part = 0; part < BLOOP_EXPR_PARTS; part++) {
    const char *t = bloop_expr_text(x, (bloop_expr_part)part);
    check(!t || strlen(t) <= BLOOP_EXPR_MAX_BYTES);
    bloop_buf_puts(out, t ? t : "-");
    bloop_buf_putc(out, '\n');
  }
  check_used(x);
  int wrote;
  check(bloop_expr_to_json(x, out, &wrote, &err) == BLOOP_OK);
  bloop_expr_free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bloop_arena a = BLOOP_ARENA_INIT;
  in s = {data, size, &a};
  bloop_cond *pool[16];
  size_t npool = 0;
  bloop_cond *c = make_tree(&s, 0, pool, &npool);
  bloop_cond *f = make_tree(&s, 0, pool, &npool);
  size_t npaths = byte(&s) % 4;
  bloop_path *paths = bloop_arena_calloc(&a, npaths ? npaths : 1, sizeof *paths);
  for (size_t i = 0; i < npaths; i++) paths[i] = make_path(&s);
  size_t nup = byte(&s) % 5;
  bloop_update *up = bloop_arena_calloc(&a, nup ? nup : 1, sizeof *up);
  for (size_t i = 0; i < nup; i++) {
    up[i].op = (bloop_update_op)(byte(&s) % 4);
    up[i].path = make_path(&s);
    if (up[i].op != BLOOP_UPDATE_REMOVE) up[i].operand = make_operand(&s);
    up[i].fn = (bloop_update_fn)(byte(&s) % 5);   /* 4: an unknown function, refused */
  }
  bloop_buf b1 = BLOOP_BUF_INIT, b2 = BLOOP_BUF_INIT, d = BLOOP_BUF_INIT;
  render_all(c, f, paths, npaths, up, nup, &b1);
  render_all(c, f, paths, npaths, up, nup, &b2);
  check(b1.len == b2.len && (b1.len == 0 || memcmp(b1.data, b2.data, b1.len) == 0));
  bloop_error err = BLOOP_ERROR_INIT;
  check(bloop_cond_leaves(c) <= 1000000);
  (void)bloop_cond_describe(c, &d, &err);
  bloop_buf_free(&b1);
  bloop_buf_free(&b2);
  bloop_buf_free(&d);
  bloop_cond_release(c);
  bloop_cond_release(f);
  for (size_t i = 0; i < npool; i++) bloop_cond_release(pool[i]);
  bloop_arena_free(&a);
  return 0;
}
