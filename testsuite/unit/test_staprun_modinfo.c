/* Unit tests of staprun's module name (modinfo_name(), staprun/modinfo.c) and its
 * .modinfo fields (modinfo_field()) on ELF64
 * images made in memory: the name is the one the kernel registers, from the struct
 * module in .gnu.linkonce.this_module; a .modinfo name= that names another module is
 * refused (staprun looked for and unloaded the .modinfo one).  Prints TAP. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "staprun.h"

#include "tap.h"

static unsigned char img[8192];

/* an ET_REL image: NULL, .shstrtab, .modinfo (unless NULL), .gnu.linkonce.this_module
 * with `mod_name` at byte 24 of its 0x380 bytes (unless NULL); its size */
static size_t make(const char *modinfo, size_t modinfo_len, const char *mod_name)
{
	static const char shstr[] = "\0.shstrtab\0.modinfo\0.gnu.linkonce.this_module";
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr sh[4];
	size_t off = sizeof(*eh), n = 1;

	memset(img, 0, sizeof(img));
	memset(sh, 0, sizeof(sh));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_REL;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	memcpy(img + off, shstr, sizeof(shstr));
	sh[n].sh_name = 1;
	sh[n].sh_type = SHT_STRTAB;
	sh[n].sh_offset = off;
	sh[n].sh_size = sizeof(shstr);
	eh->e_shstrndx = (Elf64_Half)n++;
	off += sizeof(shstr);
	if (modinfo) {
		memcpy(img + off, modinfo, modinfo_len);
		sh[n].sh_name = 11;
		sh[n].sh_type = SHT_PROGBITS;
		sh[n].sh_offset = off;
		sh[n++].sh_size = modinfo_len;
		off += modinfo_len;
	}
	if (mod_name) {
		off = (off + 63) & ~(size_t)63;
		strcpy((char *)img + off + 24, mod_name);
		sh[n].sh_name = 20;
		sh[n].sh_type = SHT_PROGBITS;
		sh[n].sh_offset = off;
		sh[n++].sh_size = 0x380;
		off += 0x380;
	}
	off = (off + 7) & ~(size_t)7;
	eh->e_shoff = off;
	eh->e_shnum = (Elf64_Half)n;
	memcpy(img + off, sh, n * sizeof(sh[0]));
	return off + n * sizeof(sh[0]);
}

#define INFO(s) s, sizeof(s)

int main(void)
{
	char name[64];
	size_t size;

	size = make(INFO("license=GPL\0name=stap_good\0vermagic=x"), "stap_good");
	ok(modinfo_name(img, size, name, sizeof(name)) == 0 && !strcmp(name, "stap_good"),
	   "the name of the struct module, agreeing with .modinfo");
	size = make(INFO("license=GPL\0vermagic=x"), "stap_good");
	ok(modinfo_name(img, size, name, sizeof(name)) == 0 && !strcmp(name, "stap_good"),
	   "no name= in .modinfo: the struct module's name");
	size = make(INFO("name=ext4\0license=GPL"), "stap_good");
	ok(modinfo_name(img, size, name, sizeof(name)) == -ENOEXEC,
	   "a .modinfo name= naming another module is refused");
	size = make(INFO("name=stap_good"), NULL);
	ok(modinfo_name(img, size, name, sizeof(name)) == -ENOEXEC,
	   "no .gnu.linkonce.this_module: not a module");
	size = make(INFO("name=stap_good"), "bad/name");
	ok(modinfo_name(img, size, name, sizeof(name)) == -ENOEXEC,
	   "a struct module name with a '/' is refused");
	size = make(INFO("license=GPL"), "");
	ok(modinfo_name(img, size, name, sizeof(name)) == -ENOEXEC, "an empty name is refused");
	size = make(INFO("license=GPL"), "stap_good");
	ok(modinfo_name(img, size - 1, name, sizeof(name)) == -ENOEXEC,
	   "a truncated image is refused");

	/* modinfo_field(): the privilege level a setuid staprun checks */
	size = make(INFO("license=GPL\0stap_privilege=stapusr\0name=m"), "m");
	ok(modinfo_field(img, size, "stap_privilege", name, sizeof(name)) == 0 &&
	   !strcmp(name, "stapusr"), "stap_privilege=stapusr is read");
	size = make(INFO("license=GPL\0xstap_privilege=stapusr"), "m");
	ok(modinfo_field(img, size, "stap_privilege", name, sizeof(name)) == -ENOENT,
	   "a longer key that ends in the same name does not count");
	size = make(INFO("stap_privilege=stapusr stapdev"), "m");
	ok(modinfo_field(img, size, "stap_privilege", name, sizeof(name)) == -ENOENT,
	   "a value that is not a name does not count");
	size = make(INFO("stap_privilege=stapusr"), "m");
	ok(modinfo_field(img, size - 1, "stap_privilege", name, sizeof(name)) == -ENOEXEC,
	   "a truncated image is refused");

	/* modinfo_rename() (staprun -R): both names, same length, nothing else */
	size = make(INFO("license=GPL\0name=stap_abcdef\0xname=stap_abcdef"), "stap_abcdef");
	ok(modinfo_rename(img, size, "stap_a_1x2y") == 0 &&
	   modinfo_name(img, size, name, sizeof(name)) == 0 && !strcmp(name, "stap_a_1x2y") &&
	   modinfo_field(img, size, "name", name, sizeof(name)) == 0 &&
	   !strcmp(name, "stap_a_1x2y") &&
	   modinfo_field(img, size, "xname", name, sizeof(name)) == 0 &&
	   !strcmp(name, "stap_abcdef"), "-R renames the struct module and .modinfo's name=");
	ok(modinfo_rename(img, size, "stap_a_1x2yz") == -ENOEXEC,
	   "-R refuses a name of another length");
	ok(modinfo_rename(img, size, "stap a_1x2y") == -ENOEXEC, "-R refuses a name with a blank");
	return tap_done();
}
