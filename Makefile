# Top-level build: translator (stap), staprun, guest runner, tests, benchmarks.
# ./configure writes config.mk; everything else is here, non-recursive.

ifeq ($(wildcard config.mk),)
$(error config.mk is missing: run "autoreconf -fi && ./configure" first)
endif
include config.mk

WARN = -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wwrite-strings -Wformat=2 -Wswitch-enum -Wundef $(WERROR)
# flex and bison output gets a narrower set
GEN_WARN = -std=gnu11 -Wall -Wno-unused-function -Wno-sign-compare -Wno-unused-parameter \
	-Wno-switch-enum $(WERROR)
OPT = -O2 -g
STAP_DEFS = -DPKGDATADIR='"$(datadir)/systemtap"' -DLIBEXECDIR='"$(libexecdir)/systemtap"' \
	-DBINDIR='"$(bindir)"' -DSTAP_VERSION='"$(PACKAGE_VERSION)"' \
	-DMULTIARCH='"$(shell $(CC) -print-multiarch)"'
INC = -Itranslator -Ibuild/gen -Iinclude

TRANS_SRC = $(wildcard translator/*.c translator/elaborate/*.c translator/translate/*.c translator/tapsets/*.c translator/dwarf/*.c translator/bpf/*.c) \
	translator/remote/qemu.c translator/remote/initramfs.c
GEN_SRC = build/gen/parser.c build/gen/lexer.c
TRANS_OBJ = $(patsubst %.c,build/obj/%.o,$(TRANS_SRC)) \
	build/obj/gen/parser.o build/obj/gen/lexer.o
ASAN_OBJ = $(patsubst build/obj/%,build/asan/%,$(TRANS_OBJ))

STAPRUN_SRC = $(wildcard staprun/*.c)
QEMU_SRC = translator/remote/qemu.c translator/remote/initramfs.c translator/remote/stap-qemu.c \
	translator/fsafe.c

PROGS = translator/stap staprun/staprun staprun/stapbpf translator/remote/stap-qemu \
	translator/dtrace/dtrace staprun/stap-merge

all: $(PROGS)

build/gen/parser.c build/gen/parser.h &: translator/parser.y
	@mkdir -p build/gen
	$(BISON) -Wall -Werror --defines=build/gen/parser.h -o build/gen/parser.c $<

build/gen/lexer.c: translator/lexer.l build/gen/parser.h
	@mkdir -p build/gen
	$(FLEX) -o $@ $<

build/obj/gen/%.o: build/gen/%.c build/gen/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(GEN_WARN) $(OPT) $(INC) $(CPPFLAGS) $(CFLAGS) $(SANITIZE) -MMD -MP -c -o $@ $<

build/obj/%.o: %.c build/gen/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(OPT) $(INC) $(STAP_DEFS) $(DW_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(SANITIZE) -MMD -MP -c -o $@ $<

build/asan/gen/%.o: build/gen/%.c build/gen/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(GEN_WARN) -O1 -g $(INC) -fsanitize=address,undefined -fno-omit-frame-pointer -MMD -MP -c -o $@ $<

# sanitizer instrumentation makes gcc's format-truncation analysis see NULL formats
# that are not there
build/asan/%.o: %.c build/gen/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -Wno-format-truncation -Wno-format-overflow -O1 -g $(INC) $(STAP_DEFS) $(DW_CFLAGS) -fsanitize=address,undefined -fno-omit-frame-pointer -MMD -MP -c -o $@ $<

# the build id keys the module cache (cache.c)
translator/stap: $(TRANS_OBJ)
	$(CC) $(OPT) $(SANITIZE) $(LDFLAGS) -Wl,--build-id -o $@ $^ $(DW_LIBS) $(ELF_LIBS) $(LIBBPF_LIBS) $(READLINE_LIBS)

# the translator under ASan/UBSan, used by `make check` for the host-side tests
translator/stap-asan: $(ASAN_OBJ)
	$(CC) -fsanitize=address,undefined $(LDFLAGS) -Wl,--build-id -o $@ $^ $(DW_LIBS) $(ELF_LIBS) $(LIBBPF_LIBS) $(READLINE_LIBS)

staprun/staprun: $(STAPRUN_SRC) $(wildcard staprun/*.h include/*.h)
	$(CC) $(WARN) -O2 -g -Iinclude -static -pthread -DSTAP_VERSION='"$(PACKAGE_VERSION)"' $(CPPFLAGS) $(LDFLAGS) -o $@ $(STAPRUN_SRC) -lcrypto

# stap -b's per-CPU files merged back into one stream; static, like staprun, for the guest
staprun/stap-merge: staprun/merge/stap-merge.c include/stp_msg.h
	$(CC) $(WARN) -O2 -g -Iinclude -static $(CPPFLAGS) $(LDFLAGS) -o $@ $<

# the BPF runtime's loader: libbpf, dynamically linked
STAPBPF_SRC = $(wildcard staprun/bpf/*.c)
staprun/stapbpf: $(STAPBPF_SRC) $(wildcard staprun/bpf/*.h)
	$(CC) $(WARN) -O2 -g -Istaprun $(LIBBPF_CFLAGS) $(ELF_CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ $(STAPBPF_SRC) $(LIBBPF_LIBS) $(ELF_LIBS)

translator/remote/stap-qemu: $(patsubst %.c,build/obj/%.o,$(QEMU_SRC))
	$(CC) $(OPT) $(SANITIZE) $(LDFLAGS) -o $@ $^

# dtrace -h/-G: SDT headers and semaphore objects for applications
translator/dtrace/dtrace: build/obj/translator/dtrace/dtrace.o
	$(CC) $(OPT) $(SANITIZE) $(LDFLAGS) -o $@ $^

-include $(shell find build -name '*.d' 2>/dev/null)

# --- tests ---------------------------------------------------------------
RELEASE ?= $(shell testsuite/lib/newest-release 2>/dev/null)
export RELEASE

check: all translator/stap-asan
	@testsuite/lib/run-all-tests

check-host: all translator/stap-asan
	@testsuite/lib/run-all-tests --host-only

check-guest: all
	@testsuite/lib/run-guest-tests testsuite/run/*.suite

check-update: all
	@testsuite/lib/run-host-tests --update

# systemtap-doc's examples: -p1, -p2, -p4 and a guest run each (testsuite/lib/run-examples);
# examples-quick stops after -p2. EXAMPLES_ARGS passes options, e.g. "-t io/ --summary".
examples: all
	@testsuite/lib/run-examples --summary $(EXAMPLES_ARGS)

examples-quick: all
	@testsuite/lib/run-examples --stages p1,p2 --summary $(EXAMPLES_ARGS)

bench: all
	@bench/run
	@bench/frontend.sh
	@bench/dwarf.sh
	@bench/syscall.sh
	@bench/syshit.sh
	@bench/uhit.sh
	@bench/bpf.sh

# --- man pages --------------------------------------------------------------
# man/ holds the written pages; the tapset function pages and their index are
# generated from the tapset's "sfunction" comments into build/man/.
MAN1 = man/stap.1 man/dtrace.1 man/stap-merge.1
MAN8 = man/staprun.8
MAN3 = man/stapprobes.3stap
MAN7 = $(wildcard man/*.7stap)
TAPSET_STP = $(shell find tapset -name '*.stp')

all: build/man/stapfuncs.3stap

build/man/stapfuncs.3stap: man/gen-tapset-man $(TAPSET_STP)
	man/gen-tapset-man build/man tapset $(PACKAGE_VERSION)

man: build/man/stapfuncs.3stap

# --- install ----------------------------------------------------------------
# uninstall removes exactly what install puts there, then the directories that
# install created and that are left empty.
mandir ?= $(datarootdir)/man
PKG_TREES = runtime tapset include

install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libexecdir)/systemtap \
		$(DESTDIR)$(datadir)/systemtap $(DESTDIR)$(mandir)/man1 \
		$(DESTDIR)$(mandir)/man3 $(DESTDIR)$(mandir)/man7 $(DESTDIR)$(mandir)/man8
	install -m 755 translator/stap staprun/staprun staprun/stapbpf translator/dtrace/dtrace \
		staprun/stap-merge $(DESTDIR)$(bindir)/
	install -m 755 translator/remote/stap-qemu $(DESTDIR)$(libexecdir)/systemtap/
	cp -R $(PKG_TREES) $(DESTDIR)$(datadir)/systemtap/
	install -m 644 $(MAN1) $(DESTDIR)$(mandir)/man1/
	install -m 644 $(MAN8) $(DESTDIR)$(mandir)/man8/
	install -m 644 $(MAN3) build/man/*.3stap $(DESTDIR)$(mandir)/man3/
	install -m 644 $(MAN7) $(DESTDIR)$(mandir)/man7/

# staprun setuid root for the members of stapusr (groups stapusr, stapsys, stapdev must
# exist): they may run only root's modules under /lib/modules/RELEASE/systemtap
install-setuid: install
	chown root:stapusr $(DESTDIR)$(bindir)/staprun
	chmod 04754 $(DESTDIR)$(bindir)/staprun

uninstall: build/man/stapfuncs.3stap
	rm -f $(DESTDIR)$(bindir)/stap $(DESTDIR)$(bindir)/staprun $(DESTDIR)$(bindir)/stapbpf \
		$(DESTDIR)$(bindir)/dtrace $(DESTDIR)$(bindir)/stap-merge
	rm -f $(DESTDIR)$(libexecdir)/systemtap/stap-qemu
	rm -rf $(addprefix $(DESTDIR)$(datadir)/systemtap/,$(PKG_TREES))
	rm -f $(addprefix $(DESTDIR)$(mandir)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(mandir)/man8/,$(notdir $(MAN8)))
	rm -f $(addprefix $(DESTDIR)$(mandir)/man7/,$(notdir $(MAN7)))
	rm -f $(DESTDIR)$(mandir)/man3/$(notdir $(MAN3)) $(DESTDIR)$(mandir)/man3/stapfuncs.3stap \
		$(addprefix $(DESTDIR)$(mandir)/man3/,$(notdir $(wildcard build/man/function::*.3stap)))
	-rmdir $(DESTDIR)$(libexecdir)/systemtap $(DESTDIR)$(datadir)/systemtap \
		$(addprefix $(DESTDIR)$(mandir)/,man1 man3 man7 man8) 2>/dev/null

clean:
	rm -rf build $(PROGS) translator/stap-asan

distclean: clean
	rm -rf config.mk config.log config.status autom4te.cache configure aclocal.m4

.PHONY: all check check-host check-guest check-update examples examples-quick bench man install install-setuid uninstall clean distclean

# --- fuzzing: the front end (lexer, preprocessor, parser, elaborator) ----------
# `make fuzz` builds a libFuzzer target with clang and runs it for FUZZ_TIME seconds;
# crashes land in build/fuzz/ (crash-*), and once fixed belong in fuzz/corpus/ and a
# parseko/semko case.
FUZZ_CC ?= clang
FUZZ_TIME ?= 120
FUZZ_SRC = $(filter-out translator/main.c,$(TRANS_SRC))
FUZZ_FLAGS = -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
	-Wno-unused-command-line-argument $(INC) $(STAP_DEFS)

build/fuzz/fuzz-frontend: fuzz/fuzz_frontend.c $(FUZZ_SRC) $(GEN_SRC)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_frontend.c $(FUZZ_SRC) $(GEN_SRC) \
		$(DW_LIBS) $(ELF_LIBS)

fuzz: build/fuzz/fuzz-frontend
	@mkdir -p build/fuzz/corpus
	build/fuzz/fuzz-frontend -max_total_time=$(FUZZ_TIME) -max_len=8192 -timeout=10 \
		-rss_limit_mb=2048 -close_fd_mask=2 -artifact_prefix=build/fuzz/ -dict=fuzz/stap.dict \
		build/fuzz/corpus fuzz/corpus testsuite/parseok testsuite/semok

.PHONY: fuzz
