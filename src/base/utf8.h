/*
 * utf8.h: the project's one UTF-8 validator (implemented in value.c), for every layer that
 * must tell valid text from bytes: value validation, the JSON string writer, conditions,
 * and the binding's messages (which escape the bytes of invalid text).
 * Owns nothing else: no decoding, no conversion.
 */
#ifndef BLOOP_BASE_UTF8_H
#define BLOOP_BASE_UTF8_H

#include <stddef.h>

#include "base/bloopi.h"

/* 1 when s[0..len) is UTF-8 as RFC 3629 defines it (shortest forms, no surrogates, nothing
 * above U+10FFFF), else 0. */
BLOOPI_FUNC int bloopi_utf8_valid(const char *s, size_t len);

#endif
