/* The shared library of ucast.c: the only definition of struct ucast_box. */
struct ucast_box {
	int a;
	long b;
	char name[8];	/* in the box: a string literal's page may not be read in */
};

static struct ucast_box ucast_the_box;

struct ucast_box *ucast_make(int a, long b)
{
	ucast_the_box.a = a;
	ucast_the_box.b = b;
	ucast_the_box.name[0] = 'b';
	ucast_the_box.name[1] = 'o';
	ucast_the_box.name[2] = 'x';
	ucast_the_box.name[3] = '\0';
	return &ucast_the_box;
}
