#!/usr/bin/env python3
"""Verifies a scheme file and runs a short flip-graph search with a progress callback, through
alphatensor's C API in libalphatensor_c.so (ctypes, standard library only).

Usage: example.py PATH/TO/libalphatensor_c.so SCHEME
"""
import ctypes as C
import sys


class Progress(C.Structure):
    _fields_ = [("seconds", C.c_double), ("flips", C.c_longlong), ("flips_per_second", C.c_double),
                ("best_rank", C.c_int), ("generations", C.c_longlong)]


class ImproveOptions(C.Structure):
    _fields_ = [("field", C.c_char_p), ("bound", C.c_int), ("target_rank", C.c_int), ("seconds", C.c_double),
                ("max_generations", C.c_longlong), ("seed", C.c_uint64), ("threads", C.c_int),
                ("pool_size", C.c_int), ("out_dir", C.c_char_p), ("progress_interval", C.c_double)]


PROGRESS_FN = C.CFUNCTYPE(C.c_int, C.POINTER(Progress), C.c_void_p)
BEST_FN = C.CFUNCTYPE(C.c_int, C.c_void_p, C.c_double, C.c_void_p)


def load(path):
    lib = C.CDLL(path)
    lib.at_last_error.restype = C.c_char_p
    lib.at_status_name.restype = C.c_char_p
    return lib


def check(lib, status, what):
    if status != 0:
        raise RuntimeError("%s: %s: %s" % (what, lib.at_status_name(status).decode(), lib.at_last_error().decode()))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    lib = load(sys.argv[1])
    text = C.c_char_p()
    check(lib, lib.at_version(None, None, None, C.byref(text)), "version")
    print("alphatensor", text.value.decode())

    scheme = C.c_void_p()
    check(lib, lib.at_scheme_read(sys.argv[2].encode(), C.byref(scheme)), "read")
    valid, rank = C.c_int(), C.c_int()
    reason = C.create_string_buffer(256)
    check(lib, lib.at_scheme_verify(scheme, None, C.byref(valid), reason, C.c_size_t(256)), "verify")
    check(lib, lib.at_scheme_rank(scheme, C.byref(rank)), "rank")
    print("%s: rank %d, %s" % (sys.argv[2], rank.value, "VALID" if valid.value else "INVALID " + reason.value.decode()))
    check(lib, lib.at_scheme_free(scheme), "free")

    options = ImproveOptions()
    check(lib, lib.at_improve_options_init(C.byref(options)), "options")
    options.field, options.seconds, options.threads = b"Z2", 1.5, 1
    options.progress_interval = 0.25

    calls = []

    def on_progress(p, user):
        calls.append(p[0].seconds)
        print("  [%.2f s] best rank %d, %.2f M flips/s" % (p[0].seconds, p[0].best_rank, p[0].flips_per_second / 1e6))
        return 0

    def on_best(s, seconds, user):
        r = C.c_int()
        lib.at_scheme_rank(C.c_void_p(s), C.byref(r))
        print("  [%.2f s] rank %d" % (seconds, r.value))
        return 0

    start, best = C.c_void_p(), C.c_void_p()
    check(lib, lib.at_scheme_naive(4, 4, 4, C.byref(start)), "naive")
    progress_cb, best_cb = PROGRESS_FN(on_progress), BEST_FN(on_best)  # kept alive during the run
    check(lib, lib.at_improve(start, C.byref(options), progress_cb, best_cb, None, None, C.byref(best)), "improve")
    check(lib, lib.at_scheme_rank(best, C.byref(rank)), "rank")
    check(lib, lib.at_scheme_verify(best, b"Z2", C.byref(valid), None, C.c_size_t(0)), "verify")
    print("improve 4x4x4 over Z2: rank %d, valid %d, %d progress calls" % (rank.value, valid.value, len(calls)))
    lib.at_scheme_free(best)
    lib.at_scheme_free(start)
    return 0 if valid.value and calls else 1


if __name__ == "__main__":
    sys.exit(main())
