/*
 * bloopi.h: what every internal header of bloop shares: BLOOPI_FUNC, the one mark of a
 * function that crosses files but is not API (as Lua's LUAI_FUNC). Such functions are
 * named bloopi_* in C layers and bloopL_* in the binding, and never leave the library:
 * hidden here, and kept out of the exported set by the linker version scripts.
 * Owns nothing else.
 */
#ifndef BLOOPI_H
#define BLOOPI_H

#if defined(__GNUC__)
#define BLOOPI_FUNC __attribute__((visibility("hidden"))) extern
#else
#define BLOOPI_FUNC extern
#endif

#endif
