/* The provider of dprov.c: the runner writes dprov.h (dtrace -h) and the semaphore
 * object (dtrace -G) from it with our dtrace. */
provider dprov {
	probe work(int, const char *);
	probe done__one(int index, int enabled);
	probe idle(void);
};
