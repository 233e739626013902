/* Types of the DWARF: naming them the way systemtap prints them (-L, errors), their
 * size and signedness, struct members, and the named types @cast looks up. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf/dwarf.h"
#include "dwarf/internal.h"
#include "util.h"

Dwarf_Die *dw_die_type(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute at;

	if (!dwarf_attr_integrate(die, DW_AT_type, &at))
		return NULL;
	return dwarf_formref_die(&at, out);
}

/* Skip typedefs and qualifiers. */
Dwarf_Die *dw_strip_type(Dwarf_Die *t, Dwarf_Die *out)
{
	*out = *t;
	for (;;) {
		switch (dwarf_tag(out)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			if (!dw_die_type(out, out))
				return NULL;	/* const void */
			break;
		default:
			return out;
		}
	}
}

void dw_die_type_name(struct dw_object *k, uint64_t die, struct strbuf *sb)
{
	Dwarf_Die t;

	if (k->dw && dwarf_offdie(k->dw, die, &t))
		dw_type_name(&t, sb);
	else
		sb_puts(sb, "?");
}

void dw_type_name(Dwarf_Die *t, struct strbuf *sb)
{
	Dwarf_Die sub;
	const char *name;

	if (!t) {
		sb_puts(sb, "void");
		return;
	}
	name = dwarf_diename(t);
	switch (dwarf_tag(t)) {
	case DW_TAG_base_type:
	case DW_TAG_typedef:
		sb_puts(sb, name ? name : "?");
		return;
	case DW_TAG_structure_type:
		sb_printf(sb, "struct %s", name ? name : "{...}");
		return;
	case DW_TAG_union_type:
		sb_printf(sb, "union %s", name ? name : "{...}");
		return;
	case DW_TAG_enumeration_type:
		sb_printf(sb, "enum %s", name ? name : "{...}");
		return;
	case DW_TAG_pointer_type:
		dw_type_name(dw_die_type(t, &sub), sb);
		sb_putc(sb, '*');
		return;
	case DW_TAG_const_type:
		dw_type_name(dw_die_type(t, &sub), sb);
		sb_puts(sb, " const");
		return;
	case DW_TAG_volatile_type:
		dw_type_name(dw_die_type(t, &sub), sb);
		sb_puts(sb, " volatile");
		return;
	case DW_TAG_array_type: {
		Dwarf_Die sr;
		Dwarf_Word n = 0;
		Dwarf_Attribute at;

		dw_type_name(dw_die_type(t, &sub), sb);
		if (dwarf_child(t, &sr) == 0 &&
		    dwarf_attr(&sr, DW_AT_upper_bound, &at) && dwarf_formudata(&at, &n) == 0)
			sb_printf(sb, "[%llu]", (unsigned long long)n + 1);
		else
			sb_puts(sb, "[]");
		return;
	}
	case DW_TAG_subroutine_type:
		sb_puts(sb, "void");
		return;
	default:
		sb_puts(sb, name ? name : "?");
		return;
	}
}

bool dw_member_offset(Dwarf_Die *m, uint64_t *off)
{
	Dwarf_Attribute at;
	Dwarf_Word w;

	*off = 0;
	if (!dwarf_attr(m, DW_AT_data_member_location, &at))
		return true;	/* union members */
	if (dwarf_formudata(&at, &w) == 0) {
		*off = w;
		return true;
	}
	return false;
}

/* Find member `name` in struct/union t, looking into anonymous members; adds offsets. */
void dw_member_names(Dwarf_Die *t, struct strlist *l)
{
	Dwarf_Die c, mt, st;

	if (dwarf_child(t, &c) != 0)
		return;
	do {
		const char *nm = dwarf_diename(&c);

		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		if (nm)
			strlist_add(l, nm);
		else if (dw_die_type(&c, &mt) && dw_strip_type(&mt, &st) &&
			 (dwarf_tag(&st) == DW_TAG_structure_type ||
			  dwarf_tag(&st) == DW_TAG_union_type))
			dw_member_names(&st, l);
	} while (dwarf_siblingof(&c, &c) == 0);
}

bool dw_find_member(Dwarf_Die *t, const char *name, Dwarf_Die *out, uint64_t *off)
{
	Dwarf_Die c;

	if (dwarf_child(t, &c) != 0)
		return false;
	do {
		const char *nm = dwarf_diename(&c);
		uint64_t o;

		if (dwarf_tag(&c) != DW_TAG_member || !dw_member_offset(&c, &o))
			continue;
		if (nm && !strcmp(nm, name)) {
			*out = c;
			*off += o;
			return true;
		}
		if (!nm) {
			Dwarf_Die mt, st;
			uint64_t inner = 0;

			if (dw_die_type(&c, &mt) && dw_strip_type(&mt, &st) &&
			    (dwarf_tag(&st) == DW_TAG_structure_type ||
			     dwarf_tag(&st) == DW_TAG_union_type) &&
			    dw_find_member(&st, name, out, &inner)) {
				*off += o + inner;
				return true;
			}
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

int dw_type_size(Dwarf_Die *t)
{
	Dwarf_Word sz;

	if (dwarf_aggregate_size(t, &sz))
		return -1;
	return (int)sz;
}

bool dw_is_signed(Dwarf_Die *t)
{
	Dwarf_Attribute at;
	Dwarf_Word enc;

	if (dwarf_tag(t) == DW_TAG_enumeration_type)
		return true;
	if (!dwarf_attr(t, DW_AT_encoding, &at) || dwarf_formudata(&at, &enc))
		return false;
	return enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

bool dw_is_float(Dwarf_Die *t)
{
	Dwarf_Attribute at;
	Dwarf_Word enc;

	return dwarf_attr(t, DW_AT_encoding, &at) && dwarf_formudata(&at, &enc) == 0 &&
	       (enc == DW_ATE_float || enc == DW_ATE_complex_float);
}

bool dw_is_char(Dwarf_Die *t)
{
	const char *nm = dwarf_diename(t);

	return dwarf_tag(t) == DW_TAG_base_type && dw_type_size(t) == 1 && nm &&
	       strstr(nm, "char");
}

/* The type @cast names: "struct foo", "union foo", "enum foo", or a typedef or
 * struct "foo"; the first definition in the index. */
bool dw_find_type(struct dw_object *k, const char *spec, Dwarf_Die *out)
{
	static const struct { const char *kw; int tag; } kws[] = {
		{ "struct ", DW_TAG_structure_type }, { "union ", DW_TAG_union_type },
		{ "enum ", DW_TAG_enumeration_type },
	};
	const int any[] = { DW_TAG_typedef, DW_TAG_structure_type, DW_TAG_union_type };
	const char *name = spec;
	size_t len, i, j;
	int want = 0;

	while (*name == ' ')
		name++;
	for (i = 0; i < ARRAY_LEN(kws); i++)
		if (!strncmp(name, kws[i].kw, strlen(kws[i].kw))) {
			want = kws[i].tag;
			name += strlen(kws[i].kw);
			break;
		}
	while (*name == ' ')
		name++;
	len = strlen(name);
	while (len && name[len - 1] == ' ')
		len--;
	for (j = 0; j < (want ? 1 : ARRAY_LEN(any)); j++) {
		int tag = want ? want : any[j];

		for (i = 0; i < k->n_types; i++) {
			const char *tn = dw_str(k, k->types[i].name);

			if ((int)k->types[i].tag == tag && !strncmp(tn, name, len) && !tn[len])
				return dwarf_offdie(k->dw, k->types[i].die, out) != NULL;
		}
	}
	return false;
}
