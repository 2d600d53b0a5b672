/*
 * creds.c: credentials, region and endpoint resolution. See include/bloop/creds.h.
 *
 * The order is the AWS SDKs' (botocore's): explicit settings, then the environment, then the
 * shared credentials file, then the config file. Each step records what it saw in a short
 * note, so that when nothing is found the error lists every place that was looked at. Notes
 * hold names, paths and states only, never a value read from a file or variable, which is
 * how the secret stays out of every message.
 */
#include "bloop/creds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#define PATH_MAX_LEN 1024
#define NOTE_LEN 320

/* ---- small helpers ------------------------------------------------------------------ */

static int nonempty(const char *s) { return s && *s; }

static const char *env(const char *name) {
  const char *v = getenv(name);
  return nonempty(v) ? v : NULL;
}

static void wipe_free(char *s) {
  if (!s) return;
  OPENSSL_cleanse(s, strlen(s));
  free(s);
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Trims s[0..*n) in place: returns the new start and shortens *n. */
static char *trim(char *s, size_t *n) {
  while (*n && is_ws(*s)) s++, (*n)--;
  while (*n && is_ws(s[*n - 1])) (*n)--;
  return s;
}

/* ~/x → $HOME/x, as the SDKs expand the variables and the defaults. 0 when it cannot. */
static int expand_path(const char *in, char *out, size_t n) {
  if (in[0] == '~' && (in[1] == '/' || in[1] == '\0')) {
    const char *home = env("HOME");
    if (!home) return 0;
    return snprintf(out, n, "%s%s", home, in + 1) < (int)n;
  }
  return snprintf(out, n, "%s", in) < (int)n;
}

static void file_paths(char *cred, char *conf, size_t n) {
  const char *c = env("AWS_SHARED_CREDENTIALS_FILE");
  const char *f = env("AWS_CONFIG_FILE");
  if (!expand_path(c ? c : "~/.aws/credentials", cred, n)) snprintf(cred, n, "%s", "");
  if (!expand_path(f ? f : "~/.aws/config", conf, n)) snprintf(conf, n, "%s", "");
}

/* ---- the INI reader ------------------------------------------------------------------ */

/* What one file says about one profile. Values are malloc'ed and wiped when freed. */
typedef struct profile_vals {
  int file_found;      /* the file could be opened */
  int section_found;   /* the profile's section exists */
  char *access_key_id;
  char *secret_access_key;
  char *session_token;
  char *region;
} profile_vals;

static void profile_vals_free(profile_vals *v) {
  wipe_free(v->access_key_id);
  wipe_free(v->secret_access_key);
  wipe_free(v->session_token);
  wipe_free(v->region);
  memset(v, 0, sizeof *v);
}

/* Whether a section header names the profile. In the config file a profile other than
 * "default" is "[profile NAME]" (and "[profile default]" is accepted too); in the
 * credentials file it is "[NAME]". Section names are case-sensitive, as in botocore. */
static int section_matches(char *sec, size_t n, int is_config, const char *profile) {
  size_t plen = strlen(profile);
  if (is_config && n > 7 && memcmp(sec, "profile", 7) == 0 && (sec[7] == ' ' || sec[7] == '\t')) {
    size_t m = n - 7;
    const char *p = trim(sec + 7, &m);
    return m == plen && memcmp(p, profile, plen) == 0;
  }
  if (is_config && strcmp(profile, "default") != 0) return 0;
  return n == plen && memcmp(sec, profile, plen) == 0;
}

static int set_value(char **slot, const char *v, size_t n) {
  char *d = malloc(n + 1);
  if (!d) return 0;
  memcpy(d, v, n);
  d[n] = '\0';
  wipe_free(*slot);
  *slot = d;
  return 1;
}

/* Reads the keys bloop needs from the profile's section. Comments are whole lines starting
 * with '#' or ';'; keys compare case-insensitively (botocore's RawConfigParser lower-cases
 * them); an indented line under a key is a nested sub-setting and is skipped; lines that
 * are neither section, key = value nor comment are ignored; the last value wins. */
static bloop_status load_profile(const char *path, int is_config, const char *profile,
                                 profile_vals *pv, bloop_error *err) {
  memset(pv, 0, sizeof *pv);
  if (!*path) return BLOOP_OK;
  FILE *f = fopen(path, "rb");
  if (!f) return BLOOP_OK;  /* absent or unreadable: reported as "not found" */
  pv->file_found = 1;
  char line[4096];
  int in_section = 0;
  bloop_status st = BLOOP_OK;
  while (fgets(line, sizeof line, f)) {
    size_t n = strlen(line);
    int indented = n && (line[0] == ' ' || line[0] == '\t');
    char *s = trim(line, &n);
    if (!n || *s == '#' || *s == ';') continue;
    if (*s == '[') {
      char *close = memchr(s, ']', n);
      size_t m = close ? (size_t)(close - s - 1) : 0;
      char *name = close ? trim(s + 1, &m) : NULL;
      in_section = name && section_matches(name, m, is_config, profile);
      if (in_section) pv->section_found = 1;
      continue;
    }
    if (!in_section || indented) continue;
    char *eq = memchr(s, '=', n);
    if (!eq) continue;
    size_t kl = (size_t)(eq - s), vl = n - kl - 1;
    char *k = trim(s, &kl), *v = trim(eq + 1, &vl);
    char **slot = NULL;
    if (kl == 17 && strncasecmp(k, "aws_access_key_id", kl) == 0) slot = &pv->access_key_id;
    else if (kl == 21 && strncasecmp(k, "aws_secret_access_key", kl) == 0)
      slot = &pv->secret_access_key;
    else if (kl == 17 && strncasecmp(k, "aws_session_token", kl) == 0)
      slot = &pv->session_token;
    else if (kl == 6 && strncasecmp(k, "region", kl) == 0)
      slot = &pv->region;
    if (slot && !set_value(slot, v, vl)) {
      st = bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory reading %s", path);
      break;
    }
  }
  OPENSSL_cleanse(line, sizeof line);
  fclose(f);
  if (st) profile_vals_free(pv);
  return st;
}

/* ---- credentials --------------------------------------------------------------------- */

void bloop_credentials_init(bloop_credentials *c) { memset(c, 0, sizeof *c); }

void bloop_credentials_clear(bloop_credentials *c) {
  if (!c) return;
  wipe_free(c->access_key_id);
  wipe_free(c->secret_access_key);
  wipe_free(c->session_token);
  bloop_credentials_init(c);
}

static bloop_status take(bloop_credentials *out, const char *id, const char *secret,
                         const char *token, const char *source, bloop_error *err) {
  out->access_key_id = strdup(id);
  out->secret_access_key = strdup(secret);
  out->session_token = nonempty(token) ? strdup(token) : NULL;
  if (!out->access_key_id || !out->secret_access_key || (nonempty(token) && !out->session_token)) {
    bloop_credentials_clear(out);
    return bloop_error_set(err, BLOOP_ENOMEM, "OutOfMemory", "out of memory copying credentials");
  }
  snprintf(out->source, sizeof out->source, "%s", source);
  return BLOOP_OK;
}

/* The profile to read, and where the name came from ("" when it is the default). */
static const char *pick_profile(const bloop_aws_settings *in, const char **from) {
  if (nonempty(in->profile)) {
    *from = "settings";
    return in->profile;
  }
  const char *p = env("AWS_PROFILE");
  *from = p ? "AWS_PROFILE" : "";
  return p ? p : "default";
}

/* What a file step saw, for the one combined message. */
static void describe_file(char *note, size_t n, const char *kind, const char *path,
                          const profile_vals *pv, int is_config, const char *profile,
                          const char *missing) {
  char sec[200];
  snprintf(sec, sizeof sec, is_config && strcmp(profile, "default") ? "[profile %s]" : "[%s]",
           profile);
  if (!*path)
    snprintf(note, n, "%s (path unknown: HOME not set)", kind);
  else if (!pv->file_found)
    snprintf(note, n, "%s %s (not found)", kind, path);
  else if (!pv->section_found)
    snprintf(note, n, "%s %s (no section %s)", kind, path, sec);
  else
    snprintf(note, n, "%s %s (section %s has no %s)", kind, path, sec, missing);
}

static bloop_status profile_not_found(bloop_error *err, const char *profile, const char *from,
                                      const char *cred, const char *conf) {
  return bloop_error_set(err, BLOOP_ECONFIG, "ProfileNotFound",
                         "AWS profile \"%s\" (from %s) not found: no [%s] in shared credentials "
                         "file %s and no [profile %s] in config file %s",
                         profile, from, profile, *cred ? cred : "(HOME not set)", profile,
                         *conf ? conf : "(HOME not set)");
}

/* One file step: 1 when it produced credentials, 0 when it did not, -1 on error. */
static int from_file(const char *path, int is_config, const char *profile,
                     bloop_credentials *out, char *note, profile_vals *pv, bloop_status *st,
                     bloop_error *err) {
  const char *kind = is_config ? "config file" : "shared credentials file";
  *st = load_profile(path, is_config, profile, pv, err);
  if (*st) return -1;
  int has_id = nonempty(pv->access_key_id), has_secret = nonempty(pv->secret_access_key);
  if (has_id && has_secret) {
    *st = take(out, pv->access_key_id, pv->secret_access_key, pv->session_token, kind, err);
    return *st ? -1 : 1;
  }
  if (has_id != has_secret) {
    *st = bloop_error_set(err, BLOOP_ECONFIG, "PartialCredentials",
                          "%s %s, profile \"%s\", has %s but no %s", kind, path, profile,
                          has_id ? "aws_access_key_id" : "aws_secret_access_key",
                          has_id ? "aws_secret_access_key" : "aws_access_key_id");
    return -1;
  }
  describe_file(note, NOTE_LEN, kind, path, pv, is_config, profile,
                "aws_access_key_id/aws_secret_access_key");
  return 0;
}

bloop_status bloop_credentials_resolve(const bloop_aws_settings *in, bloop_credentials *out,
                                       bloop_error *err) {
  static const bloop_aws_settings none = {0};
  char cred[PATH_MAX_LEN], conf[PATH_MAX_LEN], note_cred[NOTE_LEN], note_conf[NOTE_LEN];
  profile_vals pv_cred, pv_conf;
  bloop_status st = BLOOP_OK;
  if (!out) return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "NULL credentials");
  if (!in) in = &none;
  bloop_credentials_clear(out);

  /* 1. Explicit. */
  int has_id = nonempty(in->access_key_id), has_secret = nonempty(in->secret_access_key);
  if (has_id && has_secret)
    return take(out, in->access_key_id, in->secret_access_key, in->session_token, "explicit",
                err);
  if (has_id != has_secret)
    return bloop_error_set(err, BLOOP_ECONFIG, "PartialCredentials",
                           "explicit credentials need both access_key_id and "
                           "secret_access_key; only %s was given",
                           has_id ? "access_key_id" : "secret_access_key");

  /* 2. Environment, unless the caller named a profile: a profile chosen in code means "use
   * that profile", as botocore's Session(profile=...) does, not whatever keys the shell
   * happens to export. */
  const char *eid = NULL, *esecret = NULL;
  if (!nonempty(in->profile)) {
    eid = env("AWS_ACCESS_KEY_ID");
    esecret = env("AWS_SECRET_ACCESS_KEY");
  }
  if (eid && esecret)
    return take(out, eid, esecret, env("AWS_SESSION_TOKEN"), "environment", err);
  if (!eid != !esecret)
    return bloop_error_set(err, BLOOP_ECONFIG, "PartialCredentials",
                           "environment has %s but not %s",
                           eid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                           eid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");

  /* 3, 4. Shared credentials file, then config file. */
  const char *from;
  const char *profile = pick_profile(in, &from);
  file_paths(cred, conf, sizeof cred);
  int r = from_file(cred, 0, profile, out, note_cred, &pv_cred, &st, err);
  if (r == 0) {
    r = from_file(conf, 1, profile, out, note_conf, &pv_conf, &st, err);
    int sections = pv_cred.section_found || pv_conf.section_found;
    profile_vals_free(&pv_conf);
    if (r == 0 && *from && !sections) r = -1, st = profile_not_found(err, profile, from, cred, conf);
  }
  profile_vals_free(&pv_cred);
  if (r == 1) return BLOOP_OK;
  if (r < 0) return st;

  return bloop_error_set(err, BLOOP_ECONFIG, "MissingCredentials",
                         "no AWS credentials found for profile \"%s\"; looked at: explicit "
                         "access_key_id/secret_access_key (not given); environment "
                         "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (%s); %s; %s. "
                         "(IMDS, SSO and STS credentials are not supported.)",
                         profile,
                         nonempty(in->profile) ? "not read: a profile was named" : "not set",
                         note_cred, note_conf);
}

/* ---- region -------------------------------------------------------------------------- */

/* Region names are DNS labels joined by '-': anything else would corrupt the endpoint host
 * or the credential scope. */
static int region_ok(const char *r) {
  if (!nonempty(r) || strlen(r) > 63) return 0;
  for (const char *p = r; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) return 0;
  return 1;
}

static bloop_status put_region(const char *region, const char *source, char *out, size_t n,
                               bloop_error *err) {
  if (!region_ok(region))
    return bloop_error_set(err, BLOOP_ECONFIG, "InvalidRegion",
                           "region from %s is not a valid AWS region name (lower-case letters, "
                           "digits and '-')",
                           source);
  if (!out || strlen(region) >= n)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument",
                           "region buffer too small");
  memcpy(out, region, strlen(region) + 1);
  return BLOOP_OK;
}

bloop_status bloop_region_resolve(const bloop_aws_settings *in, char *out, size_t n,
                                  bloop_error *err) {
  static const bloop_aws_settings none = {0};
  char cred[PATH_MAX_LEN], conf[PATH_MAX_LEN], note[NOTE_LEN], source[PATH_MAX_LEN + 64];
  if (!in) in = &none;
  if (nonempty(in->region)) return put_region(in->region, "settings", out, n, err);
  if (env("AWS_REGION")) return put_region(env("AWS_REGION"), "AWS_REGION", out, n, err);
  if (env("AWS_DEFAULT_REGION"))
    return put_region(env("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION", out, n, err);

  const char *from;
  const char *profile = pick_profile(in, &from);
  file_paths(cred, conf, sizeof cred);
  profile_vals pv;
  bloop_status st = load_profile(conf, 1, profile, &pv, err);
  if (st) return st;
  if (nonempty(pv.region)) {
    snprintf(source, sizeof source, "config file %s", conf);
    st = put_region(pv.region, source, out, n, err);
    profile_vals_free(&pv);
    return st;
  }
  describe_file(note, sizeof note, "config file", conf, &pv, 1, profile, "region");
  int section = pv.section_found;
  profile_vals_free(&pv);
  if (*from && !section) {
    /* An explicitly named profile may live only in the credentials file. */
    profile_vals pc;
    st = load_profile(cred, 0, profile, &pc, err);
    if (st) return st;
    section = pc.section_found;
    profile_vals_free(&pc);
    if (!section) return profile_not_found(err, profile, from, cred, conf);
  }
  return bloop_error_set(err, BLOOP_ECONFIG, "MissingRegion",
                         "no AWS region found for profile \"%s\"; looked at: explicit region "
                         "(not given); environment AWS_REGION, AWS_DEFAULT_REGION (not set); %s",
                         profile, note);
}

/* ---- endpoint ------------------------------------------------------------------------ */

/* Copies url into out without trailing slashes after checking the scheme and host. The
 * URL is not echoed in errors: it may carry user:password. */
static bloop_status put_endpoint(const char *url, const char *source, char *out, size_t n,
                                 bloop_error *err) {
  size_t skip = strncasecmp(url, "https://", 8) == 0 ? 8
                : strncasecmp(url, "http://", 7) == 0 ? 7 : 0;
  if (!skip)
    return bloop_error_set(err, BLOOP_ECONFIG, "InvalidEndpoint",
                           "endpoint from %s must start with http:// or https://", source);
  size_t len = strlen(url);
  while (len > skip && url[len - 1] == '/') len--;
  if (len == skip || url[skip] == '/')
    return bloop_error_set(err, BLOOP_ECONFIG, "InvalidEndpoint",
                           "endpoint from %s has no host", source);
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)url[i] <= ' ' || url[i] == 127)
      return bloop_error_set(err, BLOOP_ECONFIG, "InvalidEndpoint",
                             "endpoint from %s contains whitespace or control characters",
                             source);
  if (!out || len >= n)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "endpoint buffer too small");
  memcpy(out, url, len);
  out[len] = '\0';
  return BLOOP_OK;
}

static int env_true(const char *name) {
  const char *v = env(name);
  return v && strcasecmp(v, "true") == 0;
}

bloop_status bloop_endpoint_resolve(const bloop_aws_settings *in, bloop_service service,
                                    const char *region, char *out, size_t n, bloop_error *err) {
  static const bloop_aws_settings none = {0};
  if (!in) in = &none;
  if (service != BLOOP_SERVICE_DYNAMODB && service != BLOOP_SERVICE_STREAMS)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "unknown service %d",
                           (int)service);
  if (nonempty(in->endpoint)) return put_endpoint(in->endpoint, "settings", out, n, err);

  /* The service-specific name is botocore's: AWS_ENDPOINT_URL_ + the service id upper-cased
   * with spaces as '_' ("DynamoDB Streams" → DYNAMODB_STREAMS). */
  if (!env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
    const char *var = service == BLOOP_SERVICE_DYNAMODB ? "AWS_ENDPOINT_URL_DYNAMODB"
                                                        : "AWS_ENDPOINT_URL_DYNAMODB_STREAMS";
    if (env(var)) return put_endpoint(env(var), var, out, n, err);
    if (env("AWS_ENDPOINT_URL"))
      return put_endpoint(env("AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL", out, n, err);
  }

  if (!nonempty(region))
    return bloop_error_set(err, BLOOP_ECONFIG, "MissingRegion",
                           "no endpoint: no explicit endpoint, AWS_ENDPOINT_URL_%s or "
                           "AWS_ENDPOINT_URL, and no region to build one from",
                           service == BLOOP_SERVICE_DYNAMODB ? "DYNAMODB" : "DYNAMODB_STREAMS");
  if (!region_ok(region))
    return bloop_error_set(err, BLOOP_ECONFIG, "InvalidRegion",
                           "region is not a valid AWS region name (lower-case letters, digits "
                           "and '-')");
  const char *suffix = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
  int w = snprintf(out, out ? n : 0, "https://%sdynamodb.%s.%s",
                   service == BLOOP_SERVICE_STREAMS ? "streams." : "", region, suffix);
  if (!out || w < 0 || (size_t)w >= n)
    return bloop_error_set(err, BLOOP_EINVAL, "InvalidArgument", "endpoint buffer too small");
  return BLOOP_OK;
}
