/*
 * The module's own name, as the kernel registers it: the name field of the
 * struct module in .gnu.linkonce.this_module (a renamed .ko file still
 * works).  The `name=` entry of .modinfo, which modpost writes too, must
 * agree: a module whose .modinfo names another would have staprun look for
 * (and unload) a module that is not the one it loaded.  Parses ELF64 from
 * memory with bounds checks on every offset: the file is untrusted input to
 * a privileged program.
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "staprun.h"

/* Copy section header `i` out of the image (no alignment assumed). */
static int section(const unsigned char *img, size_t size, const Elf64_Ehdr *eh,
		   unsigned int i, Elf64_Shdr *sh)
{
	if (i >= eh->e_shnum)
		return -ENOEXEC;
	memcpy(sh, img + eh->e_shoff + (size_t)i * sizeof(*sh), sizeof(*sh));
	if (sh->sh_type != SHT_NOBITS &&
	    (sh->sh_offset > size || sh->sh_size > size - sh->sh_offset))
		return -ENOEXEC;
	return 0;
}

/* The NUL-terminated string at `off` in section `strtab`, or NULL. */
static const char *string_at(const unsigned char *img, const Elf64_Shdr *strtab,
			     uint64_t off)
{
	const char *s;

	if (strtab->sh_type == SHT_NOBITS || off >= strtab->sh_size)
		return NULL;
	s = (const char *)img + strtab->sh_offset + off;
	if (!memchr(s, '\0', strtab->sh_size - off))
		return NULL;
	return s;
}

static bool valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/*
 * struct module begins { enum module_state state; struct list_head list;
 * char name[MODULE_NAME_LEN]; ... } on every kernel: on 64-bit, name is at
 * byte 24 and holds 64 - 8 bytes.
 */
#define THIS_MODULE_NAME_OFF 24
#define THIS_MODULE_NAME_LEN 56

static int this_module_name(const unsigned char *img, const Elf64_Shdr *sh,
			    char *name, size_t cap)
{
	const char *p, *nul;

	if (sh->sh_type == SHT_NOBITS ||
	    sh->sh_size < THIS_MODULE_NAME_OFF + THIS_MODULE_NAME_LEN)
		return -ENOEXEC;
	p = (const char *)img + sh->sh_offset + THIS_MODULE_NAME_OFF;
	nul = memchr(p, '\0', THIS_MODULE_NAME_LEN);
	if (!nul || (size_t)(nul - p) >= cap || !valid_name(p, (size_t)(nul - p)))
		return -ENOEXEC;
	memcpy(name, p, (size_t)(nul - p) + 1);
	return 0;
}

/* Find "KEY=" among the NUL-separated entries of .modinfo; its value must be
 * a valid name. */
static int find_entry(const char *p, size_t size, const char *key, char *val, size_t cap)
{
	const char *end = p + size;
	size_t k = strlen(key);

	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);

		if (len > k + 1 && memcmp(p, key, k) == 0 && p[k] == '=') {
			if (len - k - 1 >= cap || !valid_name(p + k + 1, len - k - 1))
				return -ENOEXEC;
			memcpy(val, p + k + 1, len - k - 1);
			val[len - k - 1] = '\0';
			return 0;
		}
		p += len + 1;
	}
	return -ENOEXEC;
}


/* Check the ELF64 relocatable's header and read its section-name table. */
static int elf_header(const unsigned char *img, size_t size, Elf64_Ehdr *eh,
		      Elf64_Shdr *strtab)
{
	if (size < sizeof(*eh))
		return -ENOEXEC;
	memcpy(eh, img, sizeof(*eh));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_REL ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > size ||
	    (size - eh->e_shoff) / sizeof(Elf64_Shdr) < eh->e_shnum)
		return -ENOEXEC;
	return section(img, size, eh, eh->e_shstrndx, strtab);
}

/*
 * The first section called `name` in *sh: the number of sections of that
 * name (0: none), or -ENOEXEC for a section header out of the image.
 */
static int find_section(const unsigned char *img, size_t size, const char *name,
			Elf64_Shdr *sh)
{
	Elf64_Shdr strtab, cur;
	Elf64_Ehdr eh;
	unsigned int i;
	int n = 0;

	if (elf_header(img, size, &eh, &strtab))
		return -ENOEXEC;
	for (i = 0; i < eh.e_shnum; i++) {
		const char *sname;

		if (section(img, size, &eh, i, &cur))
			return -ENOEXEC;
		sname = string_at(img, &strtab, cur.sh_name);
		if (sname && strcmp(sname, name) == 0 && n++ == 0)
			*sh = cur;
	}
	return n;
}

/*
 * Store the module name of the ELF64 relocatable `image` in `name`.
 * Returns 0, or -ENOEXEC when it is not a loadable kernel module (not ELF64,
 * no usable name in .gnu.linkonce.this_module, or a name= in .modinfo that
 * differs from it).
 */
int modinfo_name(const void *image, size_t size, char *name, size_t cap)
{
	char info_name[THIS_MODULE_NAME_LEN];
	Elf64_Shdr sh;

	/* one struct module: with two, which one would the kernel take? */
	if (find_section(image, size, ".gnu.linkonce.this_module", &sh) != 1 ||
	    this_module_name(image, &sh, name, cap))
		return -ENOEXEC;
	if (modinfo_field(image, size, "name", info_name, sizeof(info_name)) == 0 &&
	    strcmp(info_name, name) != 0)
		return -ENOEXEC;
	return 0;
}

/*
 * The value of "KEY=" in the .modinfo of the ELF64 relocatable image (a name:
 * letters, digits, '_' and '-'), or -ENOENT when there is none, -ENOEXEC when
 * the image is not one.
 */
int modinfo_field(const void *image, size_t size, const char *key, char *val, size_t cap)
{
	const unsigned char *img = image;
	Elf64_Shdr sh;
	int n = find_section(img, size, ".modinfo", &sh);

	if (n < 0)
		return -ENOEXEC;
	if (n == 0 || sh.sh_type == SHT_NOBITS)
		return -ENOENT;
	return find_entry((const char *)img + sh.sh_offset, sh.sh_size, key, val, cap) ?
		       -ENOENT : 0;
}

/*
 * Give the module in `image` the name `name`, exactly as long as its present
 * one (staprun -R): the struct module's name field and .modinfo's name=
 * entry, which must agree.  0, or -ENOEXEC when the image is not a module or
 * the lengths differ.
 */
int modinfo_rename(void *image, size_t size, const char *name)
{
	unsigned char *img = image;
	char old[THIS_MODULE_NAME_LEN];
	size_t len = strlen(name);
	Elf64_Shdr sh;

	if (modinfo_name(img, size, old, sizeof(old)) || strlen(old) != len ||
	    !valid_name(name, len) ||
	    find_section(img, size, ".gnu.linkonce.this_module", &sh) != 1)
		return -ENOEXEC;
	memcpy(img + sh.sh_offset + THIS_MODULE_NAME_OFF, name, len);
	if (find_section(img, size, ".modinfo", &sh) > 0 && sh.sh_type != SHT_NOBITS) {
		char *p = (char *)img + sh.sh_offset, *end = p + sh.sh_size;

		while (p < end) {
			char *nul = memchr(p, '\0', (size_t)(end - p));
			size_t l = nul ? (size_t)(nul - p) : (size_t)(end - p);

			if (l == 5 + len && memcmp(p, "name=", 5) == 0)
				memcpy(p + 5, name, len);
			p += l + 1;
		}
	}
	return 0;
}
