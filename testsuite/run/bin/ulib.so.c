/* The shared library of ulib.c (testsuite/run/uprobes.suite): a function with
 * parameters and a global it counts in, probed through process("LIB") and
 * process("PROGRAM").library("LIB"). */
int ulib_calls;

__attribute__((noinline)) int ulib_scale(int v, int k)
{
	__asm__ __volatile__("" ::: "memory");
	ulib_calls++;
	return v * k;
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
