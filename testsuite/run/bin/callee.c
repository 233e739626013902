/* .callee tests: main calls f, which calls g; main also calls h through a pointer, and
 * h calls g too. Built at -O2: gcc writes call-site entries only when it optimises;
 * noipa keeps each function whole, with no clones. */
#pragma GCC optimize("O2")

volatile int sink;

__attribute__((noipa)) int g(int x)
{
	sink = x;
	return x * 2;
}

__attribute__((noipa)) int f(int x)
{
	return g(x) + 1;
}

__attribute__((noipa)) int h(int x)
{
	return g(x + 100) + 3;
}

int (*volatile hp)(int) = h;

int main(int argc, char **argv)
{
	int i, n = argc > 1 ? argv[1][0] - '0' : 2, t = 0;

	for (i = 0; i < n; i++) {
		t += f(i);
		t += hp(i);
	}
	sink = t;
	return 0;
}
