/* Vector variants of libm functions for loops over neurons (experiments/codegen.py).
 *
 * glibc's libmvec has SIMD versions of exp, log, pow (glibc >= 2.22) and
 * expm1 (>= 2.35), but <math.h> announces them to GCC only under
 * -ffast-math's -ffinite-math-only, which Brian2 turns off to keep inf and nan.
 * These declarations announce them without it, so GCC can vectorize a loop
 * that calls them; the code is linked against libmvec. Force-included
 * (-include) before any other header: it must not include one itself.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#ifdef __cplusplus
#define HYPOMAG_NOEXCEPT noexcept(true)
extern "C" {
#else
#define HYPOMAG_NOEXCEPT __attribute__((__nothrow__, __leaf__))
#endif
__attribute__((__simd__("notinbranch"))) double exp(double) HYPOMAG_NOEXCEPT;
__attribute__((__simd__("notinbranch"))) double log(double) HYPOMAG_NOEXCEPT;
__attribute__((__simd__("notinbranch"))) double pow(double, double) HYPOMAG_NOEXCEPT;
#ifdef HYPOMAG_MVEC_EXPM1
__attribute__((__simd__("notinbranch"))) double expm1(double) HYPOMAG_NOEXCEPT;
#endif
#ifdef __cplusplus
}
#endif
#endif
