// Linked only into the portable release (-DALPHATENSOR_GLIBC_COMPAT=ON, tools/release.sh), so the
// binary needs no glibc symbol newer than 2.17. glibc 2.27 and 2.29 gave expf, exp2f, logf, log2f,
// powf and exp, exp2, log, log2, pow new symbol versions (faster, without the SVID error wrapper;
// same results), and gcc 10's libstdc++ waits on steady_clock with pthread_cond_clockwait (2.30).
// The linker's --wrap (tools/CMakeLists.txt) sends every reference to these, ours and those in the
// static libstdc++, oneTBB and cudart, to the __wrap_ functions below, which call what glibc 2.17 has.
#include <pthread.h>
#include <time.h>

extern "C" {

// at_compat_NAME is NAME of the x86-64 base version GLIBC_2.2.5; __wrap_NAME forwards to it.
#define AT_COMPAT(name, T, params, args)                                     \
  T at_compat_##name params;                                                 \
  __asm__(".symver at_compat_" #name ", " #name "@GLIBC_2.2.5");             \
  T __wrap_##name params { return at_compat_##name args; }
AT_COMPAT(exp, double, (double x), (x))
AT_COMPAT(exp2, double, (double x), (x))
AT_COMPAT(log, double, (double x), (x))
AT_COMPAT(log2, double, (double x), (x))
AT_COMPAT(pow, double, (double x, double y), (x, y))
AT_COMPAT(expf, float, (float x), (x))
AT_COMPAT(exp2f, float, (float x), (x))
AT_COMPAT(logf, float, (float x), (x))
AT_COMPAT(log2f, float, (float x), (x))
AT_COMPAT(powf, float, (float x, float y), (x, y))
#undef AT_COMPAT

// The deadline on `clock` (steady_clock: CLOCK_MONOTONIC) moved onto CLOCK_REALTIME, which
// pthread_cond_timedwait uses. libstdc++ compares steady_clock::now() with the deadline after the
// wait, so a wall-clock jump gives at worst an early wake-up that the caller's loop absorbs.
int __wrap_pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                                  const struct timespec* abstime) {
  if (clock == CLOCK_REALTIME) return pthread_cond_timedwait(cond, mutex, abstime);
  constexpr long long kNs = 1000000000LL;
  timespec now_clock{}, now_real{};
  clock_gettime(clock, &now_clock);
  clock_gettime(CLOCK_REALTIME, &now_real);
  const long long left = (abstime->tv_sec - now_clock.tv_sec) * kNs + (abstime->tv_nsec - now_clock.tv_nsec);
  const long long at = now_real.tv_sec * kNs + now_real.tv_nsec + (left > 0 ? left : 0);
  const timespec deadline{time_t(at / kNs), long(at % kNs)};
  return pthread_cond_timedwait(cond, mutex, &deadline);
}

}  // extern "C"
