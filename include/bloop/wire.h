/*
 * wire.h: the two words the signer, the transport and the client all speak: an HTTP header
 * and which AWS service a request is for.
 *
 * Owns: bloop_header (a borrowed name and value) and bloop_service.
 * Does not own: signing (sigv4.h), sending (the client, client.h) or resolving a service's
 * endpoint (creds.h). It sits in the base layer so that signing and the network, which
 * never include each other, can share these types.
 */
#ifndef BLOOP_WIRE_H
#define BLOOP_WIRE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bloop_header {
  const char *name;   /* as sent; canonicalised (lower-cased, trimmed) by the signer */
  const char *value;
} bloop_header;

typedef enum bloop_service {
  BLOOP_SERVICE_DYNAMODB = 0,
  BLOOP_SERVICE_STREAMS = 1
} bloop_service;

#ifdef __cplusplus
}
#endif

#endif
