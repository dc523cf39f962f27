! Verifies a scheme file, then runs a short flip-graph search (1.5 s) from the naive 4x4x4 scheme over Z2
! with a progress callback, through alphatensor's C API. Usage: example_fortran SCHEME
module alphatensor_c
  use iso_c_binding
  implicit none
  type, bind(c) :: at_improve_options
    type(c_ptr) :: field
    integer(c_int) :: bound, target_rank
    real(c_double) :: seconds
    integer(c_long_long) :: max_generations
    integer(c_int64_t) :: seed
    integer(c_int) :: threads, pool_size
    type(c_ptr) :: out_dir
    real(c_double) :: progress_interval
  end type
  type, bind(c) :: at_progress
    real(c_double) :: seconds
    integer(c_long_long) :: flips
    real(c_double) :: flips_per_second
    integer(c_int) :: best_rank
    integer(c_long_long) :: generations
  end type
  interface
    integer(c_int) function at_version(major, minor, patch, text) bind(c)
      import
      integer(c_int), intent(out) :: major, minor, patch
      type(c_ptr), value :: text
    end function
    integer(c_int) function at_scheme_read(path, out) bind(c)
      import
      character(kind=c_char), intent(in) :: path(*)
      type(c_ptr), intent(out) :: out
    end function
    integer(c_int) function at_scheme_naive(n, m, p, out) bind(c)
      import
      integer(c_int), value :: n, m, p
      type(c_ptr), intent(out) :: out
    end function
    integer(c_int) function at_scheme_rank(s, rank) bind(c)
      import
      type(c_ptr), value :: s
      integer(c_int), intent(out) :: rank
    end function
    integer(c_int) function at_scheme_verify(s, field, valid, reason, reason_size) bind(c)
      import
      type(c_ptr), value :: s, field, reason
      integer(c_int), intent(out) :: valid
      integer(c_size_t), value :: reason_size
    end function
    integer(c_int) function at_scheme_free(s) bind(c)
      import
      type(c_ptr), value :: s
    end function
    integer(c_int) function at_improve_options_init(o) bind(c)
      import
      type(at_improve_options), intent(out) :: o
    end function
    integer(c_int) function at_improve(start, o, on_progress, on_best, user, cancel, best) bind(c)
      import
      type(c_ptr), value :: start, user, cancel
      type(at_improve_options), intent(in) :: o
      type(c_funptr), value :: on_progress, on_best
      type(c_ptr), intent(out) :: best
    end function
  end interface
  integer :: progress_calls = 0
contains
  integer(c_int) function on_progress(p, user) bind(c)
    type(at_progress), intent(in) :: p
    type(c_ptr), value :: user
    progress_calls = progress_calls + 1
    print '(a,f6.2,a,i0)', '  [', p%seconds, ' s] best rank ', p%best_rank
    on_progress = 0
  end function
end module

program example_fortran
  use alphatensor_c
  implicit none
  character(len=512) :: path
  type(c_ptr) :: scheme, start, best
  type(at_improve_options) :: o
  integer(c_int) :: major, minor, patch, valid, rank

  if (at_version(major, minor, patch, c_null_ptr) /= 0) stop 2
  print '(a,i0,a,i0,a,i0)', 'alphatensor ', major, '.', minor, '.', patch
  call get_command_argument(1, path)
  if (at_scheme_read(trim(path) // c_null_char, scheme) /= 0) stop 2
  if (at_scheme_verify(scheme, c_null_ptr, valid, c_null_ptr, 0_c_size_t) /= 0) stop 2
  if (at_scheme_rank(scheme, rank) /= 0) stop 2
  print '(a,a,i0,a,i0)', trim(path), ': rank ', rank, ', valid ', valid
  if (at_scheme_free(scheme) /= 0 .or. valid /= 1) stop 1

  if (at_improve_options_init(o) /= 0) stop 2
  o%seconds = 1.5d0
  o%threads = 1
  o%progress_interval = 0.25d0
  if (at_scheme_naive(4, 4, 4, start) /= 0) stop 2
  if (at_improve(start, o, c_funloc(on_progress), c_null_funptr, c_null_ptr, c_null_ptr, best) /= 0) stop 2
  if (at_scheme_rank(best, rank) /= 0) stop 2
  if (at_scheme_verify(best, c_null_ptr, valid, c_null_ptr, 0_c_size_t) /= 0) stop 2
  print '(a,i0,a,i0,a,i0,a)', 'improve 4x4x4 over Z2: rank ', rank, ', valid ', valid, ', ', progress_calls, ' progress calls'
  if (at_scheme_free(best) /= 0 .or. at_scheme_free(start) /= 0 .or. valid /= 1 .or. progress_calls == 0) stop 1
end program
