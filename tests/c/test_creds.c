/*
 * test_creds.c: credential, region and endpoint resolution, table-driven. Each case starts
 * from a clean environment (every variable the resolver reads is unset, HOME points into a
 * temp dir), writes its own credentials/config files, and the original environment is put
 * back at the end. Every secret in the tables contains "s3cr3t", and no error message may.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bloop/creds.h"
#include "tap.h"

static const char *const managed_vars[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_PROFILE", "AWS_REGION",
    "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "HOME", NULL};
static char *saved[32];
static char tmp[256], cred_path[512], conf_path[512], home[512];

static void save_env(void) {
  for (int i = 0; managed_vars[i]; i++) {
    const char *v = getenv(managed_vars[i]);
    saved[i] = v ? strdup(v) : NULL;
  }
}

static void restore_env(void) {
  for (int i = 0; managed_vars[i]; i++) {
    if (saved[i])
      setenv(managed_vars[i], saved[i], 1);
    else
      unsetenv(managed_vars[i]);
    free(saved[i]);
  }
}

static void write_file(const char *path, const char *text) {
  if (!text) {
    unlink(path);
    return;
  }
  FILE *f = fopen(path, "w");
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* files: "c" uses AWS_SHARED_CREDENTIALS_FILE/AWS_CONFIG_FILE pointing into tmp;
 * "h" writes them under $HOME/.aws and leaves the variables unset. */
static void setup(const char *const *envs, const char *cred, const char *conf, char files) {
  for (int i = 0; managed_vars[i]; i++) unsetenv(managed_vars[i]);
  setenv("HOME", home, 1);
  char hc[600], hf[600];
  snprintf(hc, sizeof hc, "%s/.aws/credentials", home);
  snprintf(hf, sizeof hf, "%s/.aws/config", home);
  if (files == 'h') {
    write_file(hc, cred);
    write_file(hf, conf);
    write_file(cred_path, NULL);
    write_file(conf_path, NULL);
  } else {
    write_file(hc, NULL);
    write_file(hf, NULL);
    write_file(cred_path, cred);
    write_file(conf_path, conf);
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred_path, 1);
    setenv("AWS_CONFIG_FILE", conf_path, 1);
  }
  for (int i = 0; envs && envs[i]; i++) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", envs[i]);
    char *eq = strchr(buf, '=');
    *eq = '\0';
    setenv(buf, eq + 1, 1);
  }
}

/* Replaces @C@, @F@ and @H@ in a pattern with the credentials/config paths and HOME. */
static void expand(const char *pat, char *out, size_t n) {
  out[0] = '\0';
  for (const char *p = pat; *p && strlen(out) + 1 < n;) {
    if (p[0] == '@' && p[1] && p[2] == '@') {
      const char *r = p[1] == 'C' ? cred_path : p[1] == 'F' ? conf_path : home;
      strncat(out, r, n - strlen(out) - 1);
      p += 3;
    } else {
      size_t l = strlen(out);
      out[l] = *p++;
      out[l + 1] = '\0';
    }
  }
}

static void check_message(const char *name, const bloop_error *err, const char *const *want) {
  char detail[2600];
  snprintf(detail, sizeof detail, "%s: the secret is not in \"%s\"", name, err->message);
  CHECK_MSG(strstr(err->message, "s3cr3t") == NULL, detail);
  for (int i = 0; want && want[i]; i++) {
    char w[700];
    expand(want[i], w, sizeof w);
    snprintf(detail, sizeof detail, "%s: message has \"%s\": %s", name, w, err->message);
    CHECK_MSG(strstr(err->message, w) != NULL, detail);
  }
}

/* ---- credentials --------------------------------------------------------------------- */

#define CRED_DEFAULT                                                     \
  "[default]\naws_access_key_id = AKID_CRED\n"                           \
  "aws_secret_access_key = s3cr3t-cred\naws_session_token = TOK_CRED\n"  \
  "[dev]\naws_access_key_id = AKID_CRED_DEV\naws_secret_access_key = s3cr3t-cdev\n"
#define CONF_DEFAULT                                                     \
  "[default]\nregion = eu-west-1\naws_access_key_id = AKID_CONF\n"       \
  "aws_secret_access_key = s3cr3t-conf\n"                                \
  "[profile dev]\nregion = eu-central-1\naws_access_key_id = AKID_CONF_DEV\n" \
  "aws_secret_access_key = s3cr3t-fdev\n"
#define ENV_CREDS "AWS_ACCESS_KEY_ID=AKID_ENV", "AWS_SECRET_ACCESS_KEY=s3cr3t-env"

typedef struct cred_case {
  const char *name;
  const char *env[6];
  const char *cred, *conf;
  char files;
  bloop_aws_settings in;
  bloop_status want;
  const char *code;        /* when want != OK */
  const char *id, *token, *source;
  const char *msg[6];
} cred_case;

static const cred_case cred_cases[] = {
    {"explicit beats env and files", {ENV_CREDS}, CRED_DEFAULT, CONF_DEFAULT, 'c',
     {.access_key_id = "AKID_EXPL", .secret_access_key = "s3cr3t-expl",
      .session_token = "TOK_EXPL"},
     BLOOP_OK, NULL, "AKID_EXPL", "TOK_EXPL", "explicit", {NULL}},
    {"explicit id without secret", {ENV_CREDS}, NULL, NULL, 'c', {.access_key_id = "AKID_EXPL"},
     BLOOP_ECONFIG, "PartialCredentials", NULL, NULL, NULL, {"secret_access_key"}},
    {"env beats files", {ENV_CREDS, "AWS_SESSION_TOKEN=TOK_ENV"}, CRED_DEFAULT, CONF_DEFAULT,
     'c', {0}, BLOOP_OK, NULL, "AKID_ENV", "TOK_ENV", "environment", {NULL}},
    {"env without token", {ENV_CREDS}, NULL, NULL, 'c', {0}, BLOOP_OK, NULL, "AKID_ENV", NULL,
     "environment", {NULL}},
    {"env secret without id", {"AWS_SECRET_ACCESS_KEY=s3cr3t-env"}, CRED_DEFAULT, NULL, 'c',
     {0}, BLOOP_ECONFIG, "PartialCredentials", NULL, NULL, NULL, {"AWS_ACCESS_KEY_ID"}},
    {"empty env vars are unset",
     {"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE="}, CRED_DEFAULT, NULL, 'c',
     {0}, BLOOP_OK, NULL, "AKID_CRED", "TOK_CRED", "shared credentials file", {NULL}},
    {"credentials file beats config file", {NULL}, CRED_DEFAULT, CONF_DEFAULT, 'c', {0},
     BLOOP_OK, NULL, "AKID_CRED", "TOK_CRED", "shared credentials file", {NULL}},
    {"config file [default]", {NULL}, "[other]\naws_access_key_id = X\n", CONF_DEFAULT, 'c',
     {0}, BLOOP_OK, NULL, "AKID_CONF", NULL, "config file", {NULL}},
    {"AWS_PROFILE picks [dev] in credentials", {"AWS_PROFILE=dev"}, CRED_DEFAULT, CONF_DEFAULT,
     'c', {0}, BLOOP_OK, NULL, "AKID_CRED_DEV", NULL, "shared credentials file", {NULL}},
    {"settings profile beats AWS_PROFILE", {"AWS_PROFILE=nope"}, CRED_DEFAULT, NULL, 'c',
     {.profile = "dev"}, BLOOP_OK, NULL, "AKID_CRED_DEV", NULL, "shared credentials file",
     {NULL}},
    {"a profile named in code beats environment keys", {ENV_CREDS}, CRED_DEFAULT, NULL, 'c',
     {.profile = "dev"}, BLOOP_OK, NULL, "AKID_CRED_DEV", NULL, "shared credentials file",
     {NULL}},
    {"AWS_PROFILE does not beat environment keys", {ENV_CREDS, "AWS_PROFILE=dev"},
     CRED_DEFAULT, NULL, 'c', {0}, BLOOP_OK, NULL, "AKID_ENV", NULL, "environment", {NULL}},
    {"[profile dev] in config", {"AWS_PROFILE=dev"}, NULL, CONF_DEFAULT, 'c', {0}, BLOOP_OK,
     NULL, "AKID_CONF_DEV", NULL, "config file", {NULL}},
    {"[dev] in config is not profile dev", {"AWS_PROFILE=dev"}, NULL,
     "[dev]\naws_access_key_id = A\naws_secret_access_key = s3cr3t-x\n", 'c', {0},
     BLOOP_ECONFIG, "ProfileNotFound", NULL, NULL, NULL,
     {"\"dev\" (from AWS_PROFILE)", "[dev] in shared credentials file @C@",
      "[profile dev] in config file @F@"}},
    {"[profile dev] in credentials is not profile dev", {0},
     "[profile dev]\naws_access_key_id = A\naws_secret_access_key = s3cr3t-x\n", NULL, 'c',
     {.profile = "dev"}, BLOOP_ECONFIG, "ProfileNotFound", NULL, NULL, NULL,
     {"\"dev\" (from settings)"}},
    {"INI comments, whitespace, key case, nested lines", {NULL},
     "# comment\n; another\n\n  [default]   # trailing\n"
     "s3 =\n  aws_access_key_id = NESTED\n"
     "AWS_Access_Key_ID\t=   AKID_SPACED   \r\n"
     "aws_secret_access_key=s3cr3t-spaced\n"
     "# aws_access_key_id = COMMENTED\n"
     "not a key line\n",
     NULL, 'c', {0}, BLOOP_OK, NULL, "AKID_SPACED", NULL, "shared credentials file", {NULL}},
    {"last value wins, sections merge", {NULL},
     "[default]\naws_access_key_id = OLD\n[x]\naws_access_key_id = X\n[default]\n"
     "aws_access_key_id = NEW\naws_secret_access_key = s3cr3t-m\n",
     NULL, 'c', {0}, BLOOP_OK, NULL, "NEW", NULL, "shared credentials file", {NULL}},
    {"default paths under HOME", {NULL}, CRED_DEFAULT, NULL, 'h', {0}, BLOOP_OK, NULL,
     "AKID_CRED", "TOK_CRED", "shared credentials file", {NULL}},
    {"config under HOME", {NULL}, NULL, CONF_DEFAULT, 'h', {0}, BLOOP_OK, NULL, "AKID_CONF",
     NULL, "config file", {NULL}},
    {"partial credentials in file", {NULL},
     "[default]\naws_secret_access_key = s3cr3t-partial\n", CONF_DEFAULT, 'c', {0},
     BLOOP_ECONFIG, "PartialCredentials", NULL, NULL, NULL, {"@C@", "aws_access_key_id"}},
    {"missing everything (default paths)", {NULL}, NULL, NULL, 'h', {0}, BLOOP_ECONFIG,
     "MissingCredentials", NULL, NULL, NULL,
     {"profile \"default\"", "explicit access_key_id/secret_access_key",
      "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", "shared credentials file @H@/.aws/credentials "
      "(not found)", "config file @H@/.aws/config (not found)"}},
    {"missing: sections without keys", {NULL}, "[default]\nregion = x\n",
     "[profile other]\naws_access_key_id = A\n", 'c', {0}, BLOOP_ECONFIG, "MissingCredentials",
     NULL, NULL, NULL,
     {"@C@ (section [default] has no aws_access_key_id/aws_secret_access_key)",
      "@F@ (no section [default])"}},
    {"missing default profile is not ProfileNotFound", {NULL}, "[x]\n", "[profile y]\n", 'c',
     {0}, BLOOP_ECONFIG, "MissingCredentials", NULL, NULL, NULL, {"@C@", "@F@"}},
    {"explicit profile absent from both files", {0}, CRED_DEFAULT, CONF_DEFAULT, 'c',
     {.profile = "ghost"}, BLOOP_ECONFIG, "ProfileNotFound", NULL, NULL, NULL,
     {"\"ghost\"", "@C@", "@F@", "[profile ghost]"}},
};

static void test_credentials(void) {
  for (size_t i = 0; i < sizeof cred_cases / sizeof cred_cases[0]; i++) {
    const cred_case *c = &cred_cases[i];
    setup(c->env, c->cred, c->conf, c->files);
    bloop_credentials cr;
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_credentials_init(&cr);
    bloop_error_clear(&err);
    bloop_status st = bloop_credentials_resolve(&c->in, &cr, &err);
    char detail[1600];
    snprintf(detail, sizeof detail, "%s: status %d code %s: %s", c->name, (int)st, err.code,
             err.message);
    CHECK_MSG(st == c->want, detail);
    if (c->want == BLOOP_OK) {
      CHECK_MSG(cr.access_key_id && strcmp(cr.access_key_id, c->id) == 0, c->name);
      CHECK_MSG(cr.secret_access_key && strstr(cr.secret_access_key, "s3cr3t-"), c->name);
      CHECK_MSG(c->token ? (cr.session_token && strcmp(cr.session_token, c->token) == 0)
                         : cr.session_token == NULL,
                c->name);
      CHECK_MSG(strcmp(cr.source, c->source) == 0, detail);
    } else {
      CHECK_MSG(strcmp(err.code, c->code) == 0, detail);
      CHECK_MSG(cr.access_key_id == NULL && cr.secret_access_key == NULL, c->name);
      check_message(c->name, &err, c->msg);
    }
    bloop_credentials_clear(&cr);
    CHECK(cr.access_key_id == NULL && cr.secret_access_key == NULL && cr.session_token == NULL);
  }
  /* A resolved struct can be resolved into again (the old values are released). */
  setup((const char *const[]){ENV_CREDS, NULL}, NULL, NULL, 'c');
  bloop_credentials cr;
  bloop_credentials_init(&cr);
  CHECK(bloop_credentials_resolve(NULL, &cr, NULL) == BLOOP_OK);
  CHECK(bloop_credentials_resolve(NULL, &cr, NULL) == BLOOP_OK);
  CHECK_STR(cr.access_key_id, "AKID_ENV");
  bloop_credentials_clear(&cr);
  /* "~/" in AWS_SHARED_CREDENTIALS_FILE is HOME. */
  char p[600];
  snprintf(p, sizeof p, "%s/.aws/credentials", home);
  setup(NULL, NULL, NULL, 'h');
  write_file(p, CRED_DEFAULT);
  setenv("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", 1);
  CHECK(bloop_credentials_resolve(NULL, &cr, NULL) == BLOOP_OK);
  CHECK_STR(cr.access_key_id, "AKID_CRED");
  bloop_credentials_clear(&cr);
}

/* ---- region -------------------------------------------------------------------------- */

typedef struct region_case {
  const char *name;
  const char *env[4];
  const char *cred, *conf;
  bloop_aws_settings in;
  bloop_status want;
  const char *code;      /* or the region when OK */
  const char *msg[5];
} region_case;

static const region_case region_cases[] = {
    {"explicit beats env", {"AWS_REGION=us-east-2", "AWS_DEFAULT_REGION=us-west-1"}, NULL,
     CONF_DEFAULT, {.region = "ap-south-1"}, BLOOP_OK, "ap-south-1", {NULL}},
    {"AWS_REGION beats AWS_DEFAULT_REGION", {"AWS_REGION=us-east-2",
     "AWS_DEFAULT_REGION=us-west-1"}, NULL, CONF_DEFAULT, {0}, BLOOP_OK, "us-east-2", {NULL}},
    {"AWS_DEFAULT_REGION beats config", {"AWS_DEFAULT_REGION=us-west-1"}, NULL, CONF_DEFAULT,
     {0}, BLOOP_OK, "us-west-1", {NULL}},
    {"config [default] region", {NULL}, NULL, CONF_DEFAULT, {0}, BLOOP_OK, "eu-west-1", {NULL}},
    {"config [profile dev] region via AWS_PROFILE", {"AWS_PROFILE=dev"}, NULL, CONF_DEFAULT,
     {0}, BLOOP_OK, "eu-central-1", {NULL}},
    {"config [profile dev] region via settings", {"AWS_PROFILE=nope"}, NULL, CONF_DEFAULT,
     {.profile = "dev"}, BLOOP_OK, "eu-central-1", {NULL}},
    {"region in the credentials file is not read", {NULL}, "[default]\nregion = us-east-1\n",
     "[default]\n", {0}, BLOOP_ECONFIG, "MissingRegion",
     {"@F@ (section [default] has no region)"}},
    {"missing region", {NULL}, NULL, NULL, {0}, BLOOP_ECONFIG, "MissingRegion",
     {"profile \"default\"", "explicit region", "AWS_REGION, AWS_DEFAULT_REGION",
      "config file @F@ (not found)"}},
    {"profile only in credentials file", {"AWS_PROFILE=dev"}, CRED_DEFAULT, "[default]\n", {0},
     BLOOP_ECONFIG, "MissingRegion", {"no section [profile dev]"}},
    {"explicit profile absent", {"AWS_PROFILE=ghost"}, CRED_DEFAULT, CONF_DEFAULT, {0},
     BLOOP_ECONFIG, "ProfileNotFound", {"\"ghost\" (from AWS_PROFILE)"}},
    {"invalid region", {"AWS_REGION=us east/1"}, NULL, NULL, {0}, BLOOP_ECONFIG,
     "InvalidRegion", {"AWS_REGION"}},
};

static void test_region(void) {
  for (size_t i = 0; i < sizeof region_cases / sizeof region_cases[0]; i++) {
    const region_case *c = &region_cases[i];
    setup(c->env, c->cred, c->conf, 'c');
    char out[64] = "";
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_error_clear(&err);
    bloop_status st = bloop_region_resolve(&c->in, out, sizeof out, &err);
    char detail[1600];
    snprintf(detail, sizeof detail, "%s: status %d region %s code %s: %s", c->name, (int)st,
             out, err.code, err.message);
    CHECK_MSG(st == c->want, detail);
    if (c->want == BLOOP_OK) {
      CHECK_MSG(strcmp(out, c->code) == 0, detail);
    } else {
      CHECK_MSG(strcmp(err.code, c->code) == 0, detail);
      check_message(c->name, &err, c->msg);
    }
  }
  setup(NULL, NULL, NULL, 'c');
  char tiny[4];
  bloop_aws_settings in = {.region = "us-east-1"};
  CHECK(bloop_region_resolve(&in, tiny, sizeof tiny, NULL) == BLOOP_EINVAL);
}

/* ---- endpoint ------------------------------------------------------------------------ */

typedef struct endpoint_case {
  const char *name;
  const char *env[4];
  const char *explicit_url;
  bloop_service service;
  const char *region;
  bloop_status want;
  const char *out;       /* endpoint, or the error code */
} endpoint_case;

#define DDB BLOOP_SERVICE_DYNAMODB
#define STR BLOOP_SERVICE_STREAMS
#define ENV_ALL "AWS_ENDPOINT_URL_DYNAMODB=http://ddb:1/", \
                "AWS_ENDPOINT_URL_DYNAMODB_STREAMS=http://streams:2", "AWS_ENDPOINT_URL=http://all:3"

static const endpoint_case endpoint_cases[] = {
    {"dynamodb from region", {NULL}, NULL, DDB, "us-east-1", BLOOP_OK,
     "https://dynamodb.us-east-1.amazonaws.com"},
    {"streams from region", {NULL}, NULL, STR, "eu-west-1", BLOOP_OK,
     "https://streams.dynamodb.eu-west-1.amazonaws.com"},
    {"dynamodb cn-", {NULL}, NULL, DDB, "cn-north-1", BLOOP_OK,
     "https://dynamodb.cn-north-1.amazonaws.com.cn"},
    {"streams cn-", {NULL}, NULL, STR, "cn-northwest-1", BLOOP_OK,
     "https://streams.dynamodb.cn-northwest-1.amazonaws.com.cn"},
    {"explicit beats env, slash stripped", {ENV_ALL}, "http://localhost:8000/", DDB, "us-east-1",
     BLOOP_OK, "http://localhost:8000"},
    {"AWS_ENDPOINT_URL_DYNAMODB", {ENV_ALL}, NULL, DDB, "us-east-1", BLOOP_OK, "http://ddb:1"},
    {"AWS_ENDPOINT_URL_DYNAMODB_STREAMS", {ENV_ALL}, NULL, STR, NULL, BLOOP_OK,
     "http://streams:2"},
    {"AWS_ENDPOINT_URL for dynamodb", {"AWS_ENDPOINT_URL_DYNAMODB_STREAMS=http://s:2",
     "AWS_ENDPOINT_URL=http://all:3//"}, NULL, DDB, NULL, BLOOP_OK, "http://all:3"},
    {"AWS_ENDPOINT_URL for streams", {"AWS_ENDPOINT_URL_DYNAMODB=http://d:1",
     "AWS_ENDPOINT_URL=https://all:3/base/"}, NULL, STR, NULL, BLOOP_OK, "https://all:3/base"},
    {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", {ENV_ALL, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true"},
     NULL, DDB, "us-west-2", BLOOP_OK, "https://dynamodb.us-west-2.amazonaws.com"},
    {"scheme case-insensitive", {NULL}, "HTTPS://Example.com/", DDB, NULL, BLOOP_OK,
     "HTTPS://Example.com"},
    {"bad scheme", {NULL}, "ftp://x", DDB, "us-east-1", BLOOP_ECONFIG, "InvalidEndpoint"},
    {"no scheme", {"AWS_ENDPOINT_URL=localhost:8000"}, NULL, DDB, "us-east-1", BLOOP_ECONFIG,
     "InvalidEndpoint"},
    {"no host", {NULL}, "https:///", DDB, NULL, BLOOP_ECONFIG, "InvalidEndpoint"},
    {"space in url", {NULL}, "http://a b", DDB, NULL, BLOOP_ECONFIG, "InvalidEndpoint"},
    {"no region", {NULL}, NULL, DDB, NULL, BLOOP_ECONFIG, "MissingRegion"},
    {"bad region", {NULL}, NULL, DDB, "us-east-1.evil.com/x", BLOOP_ECONFIG, "InvalidRegion"},
};

static void test_endpoint(void) {
  for (size_t i = 0; i < sizeof endpoint_cases / sizeof endpoint_cases[0]; i++) {
    const endpoint_case *c = &endpoint_cases[i];
    setup(c->env, NULL, NULL, 'c');
    bloop_aws_settings in = {.endpoint = c->explicit_url};
    char out[256] = "";
    bloop_error err = BLOOP_ERROR_INIT;
    bloop_error_clear(&err);
    bloop_status st = bloop_endpoint_resolve(&in, c->service, c->region, out, sizeof out, &err);
    char detail[1600];
    snprintf(detail, sizeof detail, "%s: status %d endpoint %s code %s: %s", c->name, (int)st,
             out, err.code, err.message);
    CHECK_MSG(st == c->want, detail);
    CHECK_MSG(strcmp(c->want == BLOOP_OK ? out : err.code, c->out) == 0, detail);
  }
  setup(NULL, NULL, NULL, 'c');
  char tiny[10];
  CHECK(bloop_endpoint_resolve(NULL, DDB, "us-east-1", tiny, sizeof tiny, NULL) == BLOOP_EINVAL);
  bloop_aws_settings userinfo = {.endpoint = "ftp://user:s3cr3t@host"};
  bloop_error err = BLOOP_ERROR_INIT;
  bloop_error_clear(&err);
  char out[64];
  CHECK(bloop_endpoint_resolve(&userinfo, DDB, NULL, out, sizeof out, &err) == BLOOP_ECONFIG);
  CHECK(strstr(err.message, "s3cr3t") == NULL);
}

int main(void) {
  save_env();
  snprintf(tmp, sizeof tmp, "/tmp/bloop-creds-XXXXXX");
  if (!CHECK(mkdtemp(tmp) != NULL)) return tap_done();
  snprintf(cred_path, sizeof cred_path, "%s/credentials", tmp);
  snprintf(conf_path, sizeof conf_path, "%s/config", tmp);
  snprintf(home, sizeof home, "%s/home", tmp);
  char aws[600];
  snprintf(aws, sizeof aws, "%s/.aws", home);
  mkdir(home, 0700);
  mkdir(aws, 0700);

  test_credentials();
  test_region();
  test_endpoint();

  char p[700];
  snprintf(p, sizeof p, "%s/credentials", aws);
  unlink(p);
  snprintf(p, sizeof p, "%s/config", aws);
  unlink(p);
  rmdir(aws);
  rmdir(home);
  unlink(cred_path);
  unlink(conf_path);
  rmdir(tmp);
  restore_env();
  return tap_done();
}
