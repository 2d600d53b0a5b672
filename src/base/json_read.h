/*
 * json_read.h: reading DynamoDB JSON text straight into arena values, with no tree in
 * between (core-internal; the public entry points are bloop_value_from_json and
 * bloop_item_from_json in value.h).
 *
 * Owns: a forward-only reader over one JSON text (objects, arrays, skipping what is not
 * wanted, counts) and the attribute-value grammar (S N B BOOL NULL SS NS BS L M with every
 * rule DynamoDB's JSON has: one type tag, strict base64, valid numbers and UTF-8, non-empty
 * sets without duplicates, no duplicate names, nesting within BLOOP_MAX_DEPTH), with error
 * messages that name the path ("Items[3].tags.SS[2]: not a string"). Answers are read
 * member by member, so a page of a query decodes one item at a time.
 * Does not own: what a response means (the engine reads its members), encoding
 * (value_json.c), or number arithmetic (decimal.c).
 *
 * The reader keeps pointers into the text: the text must outlive it. Every failure is a
 * status with err filled (code "InvalidJSON" for syntax, "InvalidValue" for the grammar);
 * a reader that failed stays failed.
 */
#ifndef BLOOP_CORE_JSON_READ_H
#define BLOOP_CORE_JSON_READ_H

#include <stddef.h>
#include <string.h>

#include "base/bloopi.h"
#include "bloop/value.h"

/* Where a value sits, kept as pointers and rendered only when an error is reported. */
typedef struct bloopi_jr_frame {
  int kind;              /* 0 key, 1 index, 2 type tag */
  const char *name;      /* key */
  size_t n;              /* key length, index, or bloop_type */
} bloopi_jr_frame;

#define BLOOPI_JR_FRAMES (2 * BLOOP_MAX_DEPTH + 8)

typedef struct bloopi_jr {
  const char *text, *p, *end;
  bloop_arena *a;
  bloop_error *err;
  bloop_status failed;        /* sticky */
  const char *root;           /* first path segment ("Item", "Items") */
  size_t root_index;          /* appended as "[i]" when has_root_index */
  int has_root_index;
  bloopi_jr_frame frames[BLOOPI_JR_FRAMES];
  size_t nframes;
} bloopi_jr;

/* Starts reading text[0..len). Values are allocated in a; errors go to err; root names the
 * text in messages. */
BLOOPI_FUNC void bloopi_jr_init(bloopi_jr *r, const char *text, size_t len, bloop_arena *a,
                    bloop_error *err, const char *root);

/* Error paths of the values read next start with "<root>[<i>]" (a page's items). */
BLOOPI_FUNC void bloopi_jr_set_root(bloopi_jr *r, const char *root, size_t index);

/* Consumes '{' (or '['). BLOOP_EINVAL when the next token is something else. */
BLOOPI_FUNC bloop_status bloopi_jr_object_begin(bloopi_jr *r);
BLOOPI_FUNC bloop_status bloopi_jr_array_begin(bloopi_jr *r);

/* Steps to the next member of the object begun: 1 with its name in *key (pointing into the
 * text when it has no escapes, else into the arena) and the ':' consumed; 0 when the '}'
 * was reached and consumed; -1 on an error. *index counts members; start it at 0. */
BLOOPI_FUNC int bloopi_jr_object_next(bloopi_jr *r, size_t *index, const char **key, size_t *key_len);
/* The same for arrays: 1 when an element follows, 0 after ']', -1 on an error. */
BLOOPI_FUNC int bloopi_jr_array_next(bloopi_jr *r, size_t *index);

/* Skips one JSON value of any kind, checking its syntax. */
BLOOPI_FUNC bloop_status bloopi_jr_skip(bloopi_jr *r);
/* Skips an object or array by its brackets and string quotes alone, checking nothing else:
 * for a part of the text that is read properly later (a page's items). BLOOP_EINVAL when
 * the brackets do not close. */
BLOOPI_FUNC bloop_status bloopi_jr_pass(bloopi_jr *r);

/* A JSON number that is a non-negative integer (a Count): its value; any other number
 * gives 0. BLOOP_EINVAL when the next value is not a number. */
BLOOPI_FUNC bloop_status bloopi_jr_count(bloopi_jr *r, size_t *out);

/* An item: an object of attribute values (an M's members) into out. */
BLOOPI_FUNC bloop_status bloopi_jr_item(bloopi_jr *r, bloop_value *out);
/* bloopi_jr_item, and where the item stands in the text: *text at its '{', *len up to and
 * including its '}' (a caller keeps an item's text without encoding it again). */
BLOOPI_FUNC bloop_status bloopi_jr_item_text(bloopi_jr *r, bloop_value *out, const char **text, size_t *len);
/* One attribute value {"TAG": payload} into out. */
BLOOPI_FUNC bloop_status bloopi_jr_value(bloopi_jr *r, bloop_value *out);

/* Plain tokens, for a caller that reads the usual form of a text itself and hands
 * anything else to the reader above (src/lua/lfast.c): each consumes its token and returns
 * 1 when it is there in plain form, else 0, leaving the position unspecified. Inline: a
 * query item is some fifty of them.
 *   peek: the next significant byte, or -1 at the end (nothing consumed);
 *   eat: the byte c; word: the literal w (true, false, null);
 *   plain_string: a string without escapes or control bytes, *s pointing into the text. */
static inline int bloopi_jr_peek(bloopi_jr *r) {
  const char *p = r->p, *end = r->end;
  if (r->failed) return -1;
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  r->p = p;
  return p < end ? (unsigned char)*p : -1;
}

static inline int bloopi_jr_eat(bloopi_jr *r, char c) {
  if (r->p < r->end && *r->p == c) {   /* the usual case: no whitespace before it */
    r->p++;
    return !r->failed;
  }
  if (bloopi_jr_peek(r) != (unsigned char)c) return 0;
  r->p++;
  return 1;
}

static inline int bloopi_jr_word(bloopi_jr *r, const char *w, size_t n) {
  if (bloopi_jr_peek(r) < 0 || (size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0) return 0;
  r->p += n;
  return 1;
}

static inline int bloopi_jr_plain_string(bloopi_jr *r, const char **s, size_t *len) {
  if (!bloopi_jr_eat(r, '"')) return 0;
  const char *start = r->p, *p = start, *end = r->end;
  while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
  if (p >= end || *p != '"') return 0;
  *s = start;
  *len = (size_t)(p - start);
  r->p = p + 1;
  return 1;
}

/* BLOOP_OK when only whitespace is left. */
BLOOPI_FUNC bloop_status bloopi_jr_end(bloopi_jr *r);

/* Byte offset of the reader in the text (after any whitespace already skipped), and a
 * return to an offset this reader was at: a page's item array is read lazily. */
BLOOPI_FUNC size_t bloopi_jr_offset(const bloopi_jr *r);
BLOOPI_FUNC void bloopi_jr_seek(bloopi_jr *r, size_t offset);

#endif
