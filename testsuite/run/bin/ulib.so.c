/* The shared library of ulib.c (testsuite/run/uprobes.suite): a function with
 * parameters, an inline function and a global it counts in, a function with a
 * label; probed through process("LIB") and process("PROGRAM").library("LIB"). */
int ulib_calls;

/* inlined into ulib_scale: its .inline copy */
static inline __attribute__((always_inline)) int ulib_twice(int x)
{
	__asm__ __volatile__("" ::: "memory");
	return x + x;
}

__attribute__((noinline)) int ulib_scale(int v, int k)
{
	__asm__ __volatile__("" ::: "memory");
	ulib_calls++;
	return ulib_twice(v * k) / 2;
}

/* v, or hi when v is larger: the jump to the label is taken only then */
__attribute__((noinline)) int ulib_clamp(int v, int hi)
{
	if (v > hi)
		goto clamp;
	__asm__ __volatile__("" ::: "memory");
	return v;
clamp:
	__asm__ __volatile__("" ::: "memory");
	return hi;
}
