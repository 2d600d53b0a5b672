/*
 * value.h: DynamoDB attribute values in C (S, N, B, BOOL, NULL, SS, NS, BS, L, M), their
 * DynamoDB-JSON form, deep equality, deep copy and DynamoDB's item-size rule.
 *
 * Owns: the bloop_value tree shape and its rules. Values never own memory: every string,
 * array and child lives in a bloop_arena (include/bloop/arena.h) chosen by the caller, so a
 * decoded Query page is released with one bloop_arena_free. Children are stored inline in
 * arrays (a list is an array of bloop_value, a map an array of bloop_member), which keeps a
 * decoded item in a few contiguous blocks. Does not own: typing values as Lua or column
 * types (src/lua, column code), nor number arithmetic (include/bloop/decimal.h).
 *
 * Representation:
 *   S     UTF-8 bytes with explicit length (NUL-terminated in the arena for convenience).
 *   N     the number's text as given, validated by bloop_decimal_parse when built or
 *         decoded; bloop_value_decimal converts. Keeping text means what the service sent is
 *         what we send back, and a page decode pays one validation per number, not a
 *         conversion the caller may never use.
 *   B     raw bytes (may hold NUL); base64 only on the wire.
 *   SS/NS/BS  arrays of S/N/B values, insertion order. Valid sets are non-empty and have no
 *         duplicates (NS duplicates are numeric: "1" and "1.0" clash).
 *   L     array of values. M: array of (name, value) in insertion order; lookup by name is
 *         a linear scan (DynamoDB maps and items are small: typically < 50 attributes, and
 *         a scan over contiguous members beats hashing at that size; decoding checks for
 *         duplicate names by sorting when a map has more than 16 members).
 *   An item is a value of type M (its attributes are the members).
 *
 * Errors: functions returning bloop_status fill a caller-owned bloop_error; decoders name
 * the path ("Item.tags.SS[2]: not a string").
 */
#ifndef BLOOP_VALUE_H
#define BLOOP_VALUE_H

#include <stddef.h>

#include "bloop/arena.h"
#include "bloop/buf.h"
#include "bloop/decimal.h"
#include "bloop/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bloop_type {
  BLOOP_TYPE_NONE = 0,  /* an unfilled slot; never valid in an item */
  BLOOP_TYPE_S,
  BLOOP_TYPE_N,
  BLOOP_TYPE_B,
  BLOOP_TYPE_BOOL,
  BLOOP_TYPE_NULL,
  BLOOP_TYPE_SS,
  BLOOP_TYPE_NS,
  BLOOP_TYPE_BS,
  BLOOP_TYPE_L,
  BLOOP_TYPE_M
} bloop_type;

#define BLOOP_MAX_DEPTH 32            /* DynamoDB's nesting limit for L and M */
#define BLOOP_ITEM_SIZE_MAX 409600    /* 400 KB, DynamoDB's item limit (1 KB = 1024) */

typedef struct bloop_value bloop_value;
typedef struct bloop_member bloop_member;

struct bloop_value {
  bloop_type type;
  union {
    struct { const char *ptr; size_t len; } bytes;             /* S, N (text), B (raw) */
    int boolean;                                               /* BOOL: 0 or 1 */
    struct { bloop_value *items; size_t count, cap; } list;    /* L, SS, NS, BS */
    struct { bloop_member *members; size_t count, cap; } map;  /* M */
  } u;
};

struct bloop_member {
  const char *name;   /* UTF-8, NUL-terminated in the arena; name_len is authoritative */
  size_t name_len;
  bloop_value value;
};

/* "S", "N", ..., "M"; "NONE" for an unfilled slot. */
const char *bloop_type_name(bloop_type t);
/* Maps a tag ("SS") to its type; BLOOP_TYPE_NONE when unknown. */
bloop_type bloop_type_from_tag(const char *tag, size_t len);
int bloop_type_is_set(bloop_type t);
/* The type of a set's members: S for SS, N for NS, B for BS; BLOOP_TYPE_NONE for a type
 * that is not a set. */
bloop_type bloop_type_member(bloop_type set);

/* ---- building. Bytes are copied into the arena; the source may be freed after. ------- */

void bloop_value_set_null(bloop_value *v);
void bloop_value_set_bool(bloop_value *v, int b);
bloop_status bloop_value_set_s(bloop_value *v, bloop_arena *a, const char *s, size_t len,
                               bloop_error *err);
/* Validates text with bloop_decimal_parse (its error codes: "InvalidNumber", "Inexact",
 * "Overflow", "Underflow") and stores the text unchanged. */
bloop_status bloop_value_set_n(bloop_value *v, bloop_arena *a, const char *text, size_t len,
                               bloop_error *err);
/* Stores d's canonical text. */
bloop_status bloop_value_set_n_decimal(bloop_value *v, bloop_arena *a, bloop_decimal d,
                                       bloop_error *err);
bloop_status bloop_value_set_b(bloop_value *v, bloop_arena *a, const void *p, size_t len,
                               bloop_error *err);
/* type is BLOOP_TYPE_L, SS, NS or BS; reserves room for cap elements, count = 0. */
bloop_status bloop_value_set_list(bloop_value *v, bloop_arena *a, bloop_type type, size_t cap,
                                  bloop_error *err);
bloop_status bloop_value_set_map(bloop_value *v, bloop_arena *a, size_t cap, bloop_error *err);

/* Appends an unfilled slot to an L/SS/NS/BS (growing inside the arena) and returns it, or
 * NULL when out of memory. Set rules are checked by bloop_value_validate, not here. */
bloop_value *bloop_value_append(bloop_value *list, bloop_arena *a);
/* Sets name in map m: replaces the value of an existing member, or appends one. Returns the
 * (cleared) value slot, or NULL when out of memory. */
bloop_value *bloop_value_map_put(bloop_value *m, bloop_arena *a, const char *name,
                                 size_t name_len);
/* Appends without looking for an existing name (decoders, which check duplicates once). */
bloop_value *bloop_value_map_add(bloop_value *m, bloop_arena *a, const char *name,
                                 size_t name_len);
/* Drops the last element of an L/SS/NS/BS or the last member of an M: the undo of an
 * append whose slot turned out not to be wanted (a builder that learns only after filling
 * it that the value is absent). Does nothing to an empty or scalar value. */
void bloop_value_pop(bloop_value *v);
/* Removes every member of a set (SS/NS/BS) equal to an earlier one (NS numerically: "1"
 * and "1.0" are one member), keeping the first of each and the order; for a builder whose
 * input may repeat a member. Does nothing to other types. BLOOP_ENOMEM when the
 * comparison could not get its memory (the set is then left as it was). */
bloop_status bloop_value_dedupe(bloop_value *set, bloop_error *err);

/* ---- reading ------------------------------------------------------------------------ */

/* Elements of L/SS/NS/BS, members of M; 0 for scalars. */
size_t bloop_value_count(const bloop_value *v);
/* i-th element of L/SS/NS/BS, or NULL. */
const bloop_value *bloop_value_at(const bloop_value *v, size_t i);
/* Value of member name in M (linear scan), or NULL. */
const bloop_value *bloop_value_get(const bloop_value *m, const char *name, size_t name_len);
/* S/N/B bytes, or NULL for other types. */
const char *bloop_value_bytes(const bloop_value *v, size_t *len);
/* N as an exact decimal (or S/N set member). */
bloop_status bloop_value_decimal(const bloop_value *v, bloop_decimal *out, bloop_error *err);

/* Checks DynamoDB's rules on a built value, naming the path from `path` ("Item" when
 * NULL): no unfilled slots, valid N text, valid UTF-8 in S and names, sets non-empty with
 * members of the set's type and no duplicates, map names unique, nesting <= 32. Decoders
 * already guarantee this. */
bloop_status bloop_value_validate(const bloop_value *v, const char *path, bloop_error *err);
/* The same for an item (an M whose members are attributes): paths read "Item.tags.SS[2]". */
bloop_status bloop_item_validate(const bloop_value *item, const char *path, bloop_error *err);

/* ---- comparing, copying, sizing --------------------------------------------------- */

/* Deep equality: N numerically ("1.0" == "1", "-0" == "0"), sets and map members
 * regardless of order, L in order. Values of different types are never equal. */
int bloop_value_equal(const bloop_value *a, const bloop_value *b);

/* Deep copy of src into dst, every byte allocated from a. dst may be uninitialised. */
bloop_status bloop_value_copy(bloop_value *dst, const bloop_value *src, bloop_arena *a,
                              bloop_error *err);

/* DynamoDB's size of a value in bytes, without any attribute name (see value.c for the
 * rule and its source). */
size_t bloop_value_size(const bloop_value *v);
/* Size of an item (an M): each attribute's name bytes plus its value's size. */
size_t bloop_item_size(const bloop_value *item);
/* Fails with code "ItemTooLarge" when the item is over 400 KB. key_names is a
 * comma-separated list of the table's key attribute names ("pk" or "pk,sk"; NULL or "" for
 * none); their values are quoted in the message so the caller sees which item it was:
 *   item {pk: {"S":"user#1"}, sk: {"N":"5"}} is 409700 bytes, over DynamoDB's limit of
 *   409600 bytes (400 KB) */
bloop_status bloop_item_check_size(const bloop_value *item, const char *key_names,
                                   bloop_error *err);

/* ---- DynamoDB JSON (src/base/value_json.c) -------------------------------------------- */

struct cJSON;

/* One attribute value, {"S":"x"}. Root path in errors: "value". */
bloop_status bloop_value_from_json(const char *text, size_t len, bloop_arena *a,
                                   bloop_value *out, bloop_error *err);
/* An item, {"name": {"S":"x"}, ...}, into an M. Root path in errors: "Item". */
bloop_status bloop_item_from_json(const char *text, size_t len, bloop_arena *a,
                                  bloop_value *out, bloop_error *err);
/* Parses a whole JSON text (a DynamoDB answer) into a cJSON tree the caller frees with
 * cJSON_Delete. Refuses, with an InvalidJSON error naming root and the byte offset, text
 * that is not one JSON value, and text holding the string escape \u0000: cJSON would
 * silently cut that string at the NUL, so a value read from it would not be the value
 * stored. Answers handed to the *_from_cjson functions below must be parsed by this. */
bloop_status bloop_json_parse(const char *text, size_t len, const char *root,
                              struct cJSON **out, bloop_error *err);

/* From an already parsed cJSON object (an element of a Query answer's Items), so a page is
 * parsed once. path names the node in errors ("Items[3]"; "Item" when NULL). The node is
 * borrowed; out holds copies. The tree must come from bloop_json_parse: a string escape
 * \u0000 parsed by cJSON alone truncates that string, and the node no longer shows it. */
bloop_status bloop_item_from_cjson(const struct cJSON *node, bloop_arena *a, bloop_value *out,
                                   const char *path, bloop_error *err);
bloop_status bloop_value_from_cjson(const struct cJSON *node, bloop_arena *a, bloop_value *out,
                                    const char *path, bloop_error *err);

/* Appends the DynamoDB JSON of v (or of an item) to b. Runs bloop_value_validate (or
 * bloop_item_validate) first and fails with its error, so nothing invalid is ever sent;
 * on failure b may hold a partial append. */
bloop_status bloop_value_to_json(const bloop_value *v, bloop_buf *b, bloop_error *err);
bloop_status bloop_item_to_json(const bloop_value *item, bloop_buf *b, bloop_error *err);

/* Appends s[0..len) as a JSON string literal: quotes, the escapes RFC 8259 requires (\" \\
 * and control bytes: \n \r \t \b \f, others as \u00XX), every other byte as is. The one
 * string writer of the core and the Lua JSON encoder. Checks UTF-8 first (RFC 3629:
 * shortest forms, no surrogates): BLOOP_EINVAL when s is not valid UTF-8, with nothing
 * written to b; BLOOP_ENOMEM when b failed. */
bloop_status bloop_json_put_string(bloop_buf *b, const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif
