/* Unit tests of staprun's filter for the module's warnings and errors
 * (filter_controls(), staprun/util.c): terminal control characters become octal
 * escapes, text, newlines, tabs and UTF-8 pass.  Prints TAP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "staprun.h"

#include "tap.h"

static const char *filtered(const char *in, size_t len)
{
	static char out[1024];
	size_t n = filter_controls((const unsigned char *)in, len, out);

	out[n] = '\0';
	return out;
}

int main(void)
{
	static const char esc[] = "ERROR: a\033]0;title\007b\033[2J\r\x7f\n";
	static const char c1[] = "x\xc2\x9b" "31m\xc2\x85y\n";
	static const char utf8[] = "WARNING: caf\xc3\xa9 \xc4\x81\xc2\xa9\ttab\n";
	char all[32], *big;
	int i;

	ok(!strcmp(filtered(esc, sizeof(esc) - 1),
		   "ERROR: a\\033]0;title\\007b\\033[2J\\015\\177\n"),
	   "ESC, BEL, CR and DEL become octal escapes; the newline stays");
	ok(!strcmp(filtered(c1, sizeof(c1) - 1), "x\\23331m\\205y\n"),
	   "UTF-8 C1 controls (CSI, NEL) become octal escapes");
	ok(!strcmp(filtered(utf8, sizeof(utf8) - 1), utf8), "text, tabs and UTF-8 pass unchanged");
	for (i = 0; i < 32; i++)
		all[i] = (char)i;
	big = malloc(4 * sizeof(all) + 1);
	ok(filter_controls((const unsigned char *)all, sizeof(all), big) == 30 * 4 + 2 &&
	   strchr(big, '\033') == NULL, "every C0 control but tab and newline: 4 bytes each");
	free(big);
	ok(!strcmp(filtered("ab\xc2", 3), "ab\xc2"), "a lone C2 at the end is kept");
	return tap_done();
}
