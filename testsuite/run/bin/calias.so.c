/* The shared library of calias.c: calias_open is an ELF alias of calias_impl, which
 * the DWARF names (as glibc's fopen is _IO_new_fopen); calias_impl calls calias_leaf. */
volatile int calias_sink;

__attribute__((noipa)) int calias_leaf(int x)
{
	calias_sink = x;
	return x + 1;
}

__attribute__((noipa)) int calias_impl(int x)
{
	return calias_leaf(x * 3) + 1;
}

extern __typeof(calias_impl) calias_open __attribute__((alias("calias_impl")));
