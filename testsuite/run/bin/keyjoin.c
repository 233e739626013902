/* Joins the session keyring named "stap-kr" (keyctl(2) KEYCTL_JOIN_SESSION_KEYRING),
 * lets its user search it (KEYCTL_SETPERM) so that the kernel finds it by name, and
 * joins it again: the second join finds the keyring the caller is already in and
 * returns 0. Exits 0 when both calls did what is described here. */
#include <sys/syscall.h>
#include <unistd.h>

#define KEYCTL_SETPERM 5
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEY_POS_ALL 0x3f000000
#define KEY_USR_ALL 0x003f0000

int main(void)
{
	long a = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "stap-kr"), b;

	syscall(SYS_keyctl, KEYCTL_SETPERM, a, KEY_POS_ALL | KEY_USR_ALL);
	b = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "stap-kr");
	return !(a > 0 && b == 0);
}
