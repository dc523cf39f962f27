/* Verifies a scheme file, then runs a short flip-graph search (1.5 s) from the naive 4x4x4 scheme with a
 * progress callback that counts its calls. Usage: example_c SCHEME */
#include <alphatensor/alphatensor.h>
#include <stdio.h>
#include <string.h>

static int on_progress(const at_progress* p, void* user) {
  ++*(int*)user;
  printf("  [%.2f s] best rank %d, %.2f M flips/s\n", p->seconds, p->best_rank, p->flips_per_second / 1e6);
  return 0; /* non-zero would stop the run */
}

static int fail(const char* what, at_status s) {
  fprintf(stderr, "example_c: %s: %s: %s\n", what, at_status_name(s), at_last_error());
  return 2;
}

int main(int argc, char** argv) {
  const char* version = NULL;
  at_status s = at_version(NULL, NULL, NULL, &version);
  printf("alphatensor %s (headers %s, package %s)\n", version, ALPHATENSOR_VERSION_STRING, PACKAGE_VERSION);
  if (strcmp(version, ALPHATENSOR_VERSION_STRING) != 0 || strcmp(version, PACKAGE_VERSION) != 0) return 1;
  if (argc < 2) {
    fprintf(stderr, "usage: example_c SCHEME\n");
    return 2;
  }

  at_scheme* scheme = NULL;
  if ((s = at_scheme_read(argv[1], &scheme)) != AT_OK) return fail(argv[1], s);
  int valid = 0, n = 0, m = 0, p = 0, rank = 0;
  char reason[256];
  const char* field = NULL;
  at_scheme_format(scheme, &n, &m, &p);
  at_scheme_rank(scheme, &rank);
  at_scheme_field(scheme, &field);
  if ((s = at_scheme_verify(scheme, NULL, &valid, reason, sizeof reason)) != AT_OK) return fail("verify", s);
  printf("%s: %dx%dx%d over %s, rank %d: %s%s\n", argv[1], n, m, p, field, rank, valid ? "VALID" : "INVALID ",
         valid ? "" : reason);
  at_scheme_free(scheme);

  at_scheme *start = NULL, *best = NULL;
  at_cancel* cancel = NULL;
  at_improve_options o;
  at_improve_options_init(&o);
  o.field = "Z2";
  o.seconds = 1.5;
  o.threads = 1;
  o.progress_interval = 0.25;
  int calls = 0;
  at_scheme_naive(4, 4, 4, &start);
  at_cancel_new(&cancel); /* another thread could at_cancel_set(cancel) to stop the run */
  if ((s = at_improve(start, &o, on_progress, NULL, &calls, cancel, &best)) != AT_OK) return fail("improve", s);
  at_scheme_rank(best, &rank);
  at_scheme_verify(best, "Z2", &valid, NULL, 0);
  printf("improve 4x4x4 over Z2: rank %d, valid %d, %d progress calls\n", rank, valid, calls);
  at_scheme_free(best);
  at_scheme_free(start);
  at_cancel_free(cancel);
  return valid && calls > 0 ? 0 : 1;
}
