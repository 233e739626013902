/* listenq [N]: a TCP listener on 127.0.0.1:5005 with a backlog of 1 that accepts
 * nothing, and N (default 4) non-blocking connections to it: the first ones fill its
 * accept queue, the SYNs of the others are dropped (the linuxmib.ListenOverflows and
 * ListenDrops test of testsuite/run/tapset-probes.suite). Exits 0 when all is set up. */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5005),
				 .sin_addr.s_addr = htonl(0x7f000001) };
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1, i, n = argc > 1 ? atoi(argv[1]) : 4;

	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1))
		return 1;
	for (i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		if (c < 0 || fcntl(c, F_SETFL, O_NONBLOCK))
			return 1;
		connect(c, (struct sockaddr *)&a, sizeof(a));	/* EINPROGRESS */
		usleep(100000);	/* the handshake, or the SYN's drop, runs meanwhile */
	}
	return 0;
}
