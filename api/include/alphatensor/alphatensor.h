/* alphatensor C API: schemes (read, verify, write), the flip-graph search (at_improve) and the
 * discovery from scratch (at_train), for C and every language with a C foreign-function interface
 * (Python ctypes, Fortran iso_c_binding, Julia ...).
 *
 * Linking: find_package(alphatensor CONFIG), then alphatensor::alphatensor (static; link with a C++
 * linker, e.g. project(... LANGUAGES C CXX)) or alphatensor::alphatensor_c (the shared library
 * libalphatensor_c.so, its dependencies inside; for ctypes, Fortran and the like).
 *
 * Rules:
 *  - Every function returns an at_status (AT_OK = 0) except at_last_error. On an error, the
 *    calling thread's last error text says what went wrong (file name and problem); output
 *    parameters are then left unchanged. No C++ exception ever leaves a function of this API.
 *  - Handles are opaque. A handle returned through an `out` parameter is owned by the caller and
 *    released with its _free function exactly once. A freed, unknown or NULL handle gives
 *    AT_INVALID_HANDLE (never a crash); freeing NULL is allowed and does nothing.
 *    Exception: the scheme passed to an at_best_fn or at_train_best_fn callback belongs to the run
 *    and is valid only during the call (copy it with at_scheme_copy to keep it).
 *  - Strings returned as `const char*` are owned by the library: at_version's, at_field's and
 *    at_train_result's stopped_by are static; at_last_error's stays valid until the next call of
 *    this API on the same thread; the strings and arrays inside a callback's argument only during
 *    the call. Strings given to the library (options) are copied; they need to live only during
 *    the call they are passed to.
 *  - Threads: every function may be called from any thread. A scheme is immutable, so one scheme
 *    may be used by several threads at once; it must not be freed while another thread uses it.
 *    Several at_improve runs may go on at once (each in its own calling thread), each with its
 *    own callbacks and cancel token. Callbacks are called from one thread of their run, never
 *    two at a time for one run, and must not free the run's start scheme. at_train calls its
 *    callbacks from the calling thread; runs at once need distinct out_dirs.
 */
#ifndef ALPHATENSOR_H
#define ALPHATENSOR_H

#include <alphatensor/version.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define AT_API __attribute__((visibility("default")))
#else
#define AT_API
#endif

typedef enum at_status {
  AT_OK = 0,
  AT_INVALID_ARGUMENT = 1, /* NULL pointer, bad field name, bad option */
  AT_INPUT_ERROR = 2,      /* unreadable or malformed scheme file */
  AT_INVALID_SCHEME = 3,   /* the scheme does not hold in the field asked (nothing written) */
  AT_RUNTIME_ERROR = 4,    /* anything else (disk full, out of memory, ...) */
  AT_INVALID_HANDLE = 5    /* NULL, freed or unknown handle */
} at_status;

typedef struct at_scheme at_scheme; /* an immutable scheme */
typedef struct at_cancel at_cancel; /* a cancellation flag for at_improve and at_train */

/* The calling thread's text of the last error ("" if none). Never NULL. */
AT_API const char* at_last_error(void);
/* Short name of a status ("AT_INPUT_ERROR"). */
AT_API const char* at_status_name(at_status status);
/* Library version; each output may be NULL. `text` is static ("0.1.0"), equal to
 * ALPHATENSOR_VERSION_STRING of a matching header. */
AT_API at_status at_version(int* major, int* minor, int* patch, const char** text);

/* Reads a .json, .exp or .txt scheme file (by extension). */
AT_API at_status at_scheme_read(const char* path, at_scheme** out);
/* The schoolbook scheme of T(n,m,p) over Z, rank n*m*p (dimensions 1..16). */
AT_API at_status at_scheme_naive(int n, int m, int p, at_scheme** out);
/* A second handle to the same scheme (free both). */
AT_API at_status at_scheme_copy(const at_scheme* s, at_scheme** out);
AT_API at_status at_scheme_free(at_scheme* s);

/* Format (n, m, p: A is n x m, B is m x p), rank, and the field it claims ("Z", "Z2", "Z3", "Q",
 * static). Outputs of at_scheme_format may be NULL. */
AT_API at_status at_scheme_format(const at_scheme* s, int* n, int* m, int* p);
AT_API at_status at_scheme_rank(const at_scheme* s, int* rank);
AT_API at_status at_scheme_field(const at_scheme* s, const char** field);

typedef struct at_scheme_stats {
  int n, m, p;
  int rank;
  long long nonzeros;            /* non-zero coefficients of u, v, w */
  long long additions;           /* additions of the naive evaluation */
  long long largest_coefficient; /* largest |numerator| */
  long long largest_denominator; /* 1 for an integer scheme */
} at_scheme_stats;
AT_API at_status at_scheme_statistics(const at_scheme* s, at_scheme_stats* out);

/* Exact check over `field` ("Z", "Z2", "Z3", "Q"; NULL: the scheme's own field). *valid gets 1 or
 * 0; when 0 and `reason` is not NULL, the first wrong entry is written there (at most
 * reason_size bytes, NUL-terminated, truncated if needed). Status AT_OK either way. */
AT_API at_status at_scheme_verify(const at_scheme* s, const char* field, int* valid, char* reason, size_t reason_size);
/* Verifies in the scheme's field, then writes atomically (.json, .exp or .txt by extension). An invalid
 * scheme gives AT_INVALID_SCHEME and writes nothing. */
AT_API at_status at_scheme_write(const at_scheme* s, const char* path);

AT_API at_status at_cancel_new(at_cancel** out);
/* Sets the flag: a run given this token stops within a second. Safe from any thread. */
AT_API at_status at_cancel_set(at_cancel* c);
AT_API at_status at_cancel_free(at_cancel* c);

typedef struct at_improve_options {
  const char* field;          /* "Z2" (default), "Z3" or "Z" */
  int bound;                  /* over Z: largest |coefficient| (default 1) */
  int target_rank;            /* stop once reached (0: none) */
  double seconds;             /* time limit (default 60; 0: none) */
  long long max_generations;  /* 0: no limit */
  uint64_t seed;              /* default 1 */
  int threads;                /* worker threads of this run (0: all cores) */
  int pool_size;              /* 0: max(8, threads) */
  const char* out_dir;        /* NULL or "": write nothing; else every new best to out_dir/schemes/ */
  double progress_interval;   /* seconds between progress callbacks (default 0.5) */
} at_improve_options;
/* Fills the defaults above. Call it first, then change fields (new fields may come). */
AT_API at_status at_improve_options_init(at_improve_options* o);

typedef struct at_progress {
  double seconds;
  long long flips;
  double flips_per_second;
  int best_rank;
  long long generations;
} at_progress;
/* Return 0 to go on, non-zero to stop the run (this sets the run's `cancel` token when one is
 * given). No progress call follows one that asked to stop. */
typedef int (*at_progress_fn)(const at_progress* progress, void* user);
typedef int (*at_best_fn)(const at_scheme* best, double seconds, void* user);

/* Flip-graph search from `start` (valid in options->field). Blocks until the target rank, the
 * time limit, max_generations, a callback returning non-zero or `cancel` (each may be NULL;
 * options NULL: defaults). *best gets the best scheme found (verified; free it). */
AT_API at_status at_improve(const at_scheme* start, const at_improve_options* options, at_progress_fn on_progress,
                            at_best_fn on_best, void* user, const at_cancel* cancel, at_scheme** best);

/* Discovery from nothing but the target tensors (`alphatensor train`, the same loop): games played
 * with the search guided by a network that learns from them; every scheme found is verified
 * exactly and written to out_dir/schemes/. The network runs on the CPU here. */
typedef struct at_train_options {
  const char* targets;      /* formats "n,m,p" or "nxmxp", separated by spaces or ';' (default "2,2,2") */
  const char* field;        /* "Z" (default; coefficients -2..2) or "Z2" */
  const char* preset;       /* "small" (default; a 2-core CPU) or "paper" */
  const char* network;      /* network settings "key=value" separated by spaces over the preset's
                               (`alphatensor model info`); NULL or "": none */
  uint64_t seed;            /* default 1 (same seed, same run) */
  double seconds;           /* time limit in total over resumed runs (default 600; 0: none) */
  int target_rank;          /* stop once every target has a scheme of this rank (0: none) */
  long long max_steps;      /* stop after this many learner steps (default -1: none) */
  const char* out_dir;      /* schemes/, checkpoints/, metrics.jsonl (default "out") */
  int resume;               /* non-zero: continue from the newest valid checkpoint in out_dir */
  int threads;              /* compute threads (0: all cores) */
  int polish;               /* non-zero: flip-graph walks from every scheme found */
  int polish_threads;       /* default 1 */
  double polish_seconds;    /* flip-graph time per scheme (default 5) */
  int simulations;          /* loop sizes over the preset's (0: the preset's) */
  int samples;
  int games_per_iteration;
  int steps_per_iteration;
  int batch_size;
} at_train_options;
/* Fills the defaults above. Call it first, then change fields (new fields may come). */
AT_API at_status at_train_options_init(at_train_options* o);

typedef struct at_train_progress {
  long long step;           /* learner steps (over resumed runs) */
  long long games;          /* games played (over resumed runs) */
  double seconds;           /* over resumed runs */
  double games_per_second;  /* of the last round */
  double policy_loss, value_loss;
  int num_targets;
  const int* best_ranks;    /* per target, in the order given; 0: none yet (valid during the call) */
} at_train_progress;
/* After every round of games and learner steps, and once at the end. Return 0 to go on, non-zero
 * to stop (as at_cancel_set; a checkpoint is written); no progress call follows that one. */
typedef int (*at_train_progress_fn)(const at_train_progress* progress, void* user);

typedef struct at_train_found {
  const at_scheme* scheme;  /* verified, canonical basis; valid during the call only */
  int n, m, p;              /* the target */
  int rank;
  const char* path;         /* its file under out_dir/schemes/ */
  const char* source;       /* "selfplay", "completion" or "polish" */
  double seconds;           /* into the run */
} at_train_found;
/* Every new best scheme of a target. Return non-zero to stop the run. */
typedef int (*at_train_best_fn)(const at_train_found* found, void* user);

typedef struct at_train_result {
  long long steps;
  long long games;
  double seconds;
  const char* stopped_by;   /* static: "target", "steps", "limit" (time) or "cancel" */
} at_train_result;

/* Runs the training loop in the calling thread until the time limit, max_steps, the target rank,
 * a callback returning non-zero or `cancel` (it stops within a second and writes a checkpoint to
 * out_dir/checkpoints/). options NULL: defaults; callbacks, user, cancel and result may be NULL.
 * Bad options (field, preset, format, network setting) give AT_INVALID_ARGUMENT. */
AT_API at_status at_train(const at_train_options* options, at_train_progress_fn on_progress, at_train_best_fn on_best,
                          void* user, const at_cancel* cancel, at_train_result* result);

#ifdef __cplusplus
}
#endif
#endif
