/* @cast in a process probe of @BIN@-dyn: struct ucast_box is defined only in the shared
 * library's DWARF (ucast.so.c); here it is incomplete, and ucast_use takes it as a
 * void pointer. */
struct ucast_box;
struct ucast_box *ucast_make(int a, long b);

void *volatile ucast_sink;

__attribute__((noipa)) void ucast_use(void *p)
{
	ucast_sink = p;
}

int main(void)
{
	ucast_use(ucast_make(7, 42));
	return 0;
}
