/*
 * creds.h: credentials, region and endpoint, resolved in the order the AWS SDKs use.
 *
 * Owns: reading the environment and the shared files (~/.aws/credentials, ~/.aws/config,
 * AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, AWS_PROFILE, "[profile x]" sections), and
 * building the service endpoint from a region. Secrets are wiped when freed and never
 * copied into errors.
 * Does not own: signing (sigv4.h) or network credential sources (IMDS, SSO, STS: not yet
 * supported; a missing-credentials error says what was looked at).
 */
#ifndef BLOOP_CREDS_H
#define BLOOP_CREDS_H

#include <stddef.h>

#include "bloop/status.h"
#include "bloop/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bloop_credentials {
  char *access_key_id;       /* malloc'ed; NULL when unresolved */
  char *secret_access_key;   /* malloc'ed; wiped by bloop_credentials_clear */
  char *session_token;       /* malloc'ed or NULL */
  char source[64];           /* "explicit", "environment", "shared credentials file", ... */
} bloop_credentials;

/* What the caller knows already; every field may be NULL. */
typedef struct bloop_aws_settings {
  const char *profile;           /* else AWS_PROFILE, else "default" */
  const char *access_key_id;     /* explicit credentials win when both id and secret given */
  const char *secret_access_key;
  const char *session_token;
  const char *region;            /* else AWS_REGION, AWS_DEFAULT_REGION, config file */
  const char *endpoint;          /* else AWS_ENDPOINT_URL_DYNAMODB / _DYNAMODB_STREAMS,
                                    AWS_ENDPOINT_URL, region */
} bloop_aws_settings;

void bloop_credentials_init(bloop_credentials *c);
void bloop_credentials_clear(bloop_credentials *c);

/* out must have been initialised; what it held is cleared first. Errors (BLOOP_ECONFIG):
 * "MissingCredentials" (the message lists every place looked at), "PartialCredentials" (an
 * id without a secret or the reverse, explicit, in the environment or in a file: an error,
 * as in botocore, rather than a silent fall-through), "ProfileNotFound" (a profile named in
 * settings or AWS_PROFILE that neither file has). in may be NULL. */
bloop_status bloop_credentials_resolve(const bloop_aws_settings *in, bloop_credentials *out,
                                       bloop_error *err);

/* Writes the region into out (size n). The config file's `region` is read from the
 * profile's section; the credentials file is not consulted for it. Errors: "MissingRegion",
 * "ProfileNotFound", "InvalidRegion" (not lower-case letters, digits and '-'). */
bloop_status bloop_region_resolve(const bloop_aws_settings *in, char *out, size_t n,
                                  bloop_error *err);

/* Writes the endpoint URL (no trailing slash) into out (size n). region may be NULL when
 * an explicit or environment endpoint is set. The variables are botocore's:
 * AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_DYNAMODB_STREAMS, AWS_ENDPOINT_URL, all
 * ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true. Errors: "InvalidEndpoint" (scheme
 * not http/https, no host, whitespace; the URL is not echoed), "MissingRegion",
 * "InvalidRegion". */
bloop_status bloop_endpoint_resolve(const bloop_aws_settings *in, bloop_service service,
                                    const char *region, char *out, size_t n, bloop_error *err);

#ifdef __cplusplus
}
#endif

#endif
