# breakfix - Linux troubleshooting exercises in throwaway VMs.
#
#   make            build ./breakfix
#   make check      unit tests under ASan/UBSan, cppcheck, CLI tests, every
#                   fuzzer over its saved inputs, the README's set-up on a
#                   fresh Debian 12 root, real VMs end to end
#   make fresh      just that set-up test (root; tests/fresh/fresh-root.sh)
#   make demo       install what is needed, build, and launch a sample
#                   (DEMO_FLAGS=--no-vm: stop before libvirt and the VM)
#   make deps       install the Debian packages breakfix needs (root)
#   make fuzz       fuzz for new inputs (FUZZ_SECONDS each, default 60);
#                   crashes land beside the saved cases
#   make fuzz-corpus  merge what fuzzing found into tests/fuzz/corpus/
#   make bench      the benchmarks, each printing a table
#   make install    install into $(DESTDIR)$(PREFIX)
#   make web-player fetch asciinema-player (npm) for 'breakfix export'
#
# Switches: WERROR=1 (warnings are errors), SANITIZE=address,undefined,
# O=DIR (objects and the web player, default build), CC=clang.

SHELL	 = /bin/bash

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
O	?= build
CC	?= cc
CFLAGS	?= -O2 -g
FUZZ_SECONDS ?= 60

# Modules: one concern each; they neither exit nor write to stdout.
MODULES	 = admin agent candidate cast chain check commands config \
	   credentials derived diag disks escape exercise fault gateway \
	   guest gw-auth gw-monitor gw-proto gw-relay gw-session htmlexport image \
	   inject inject-fs inject-net inject-pkg inject-proc inject-sys keys \
	   launch launch-image log marks password player pool pool-config \
	   probe record report scenario seal spawn units utf8 util variables \
	   verify vm vm-host \
	   yamltree
# Commands: one file per verb, plus the table in cmd.c.
COMMANDS = cmd cmd-check cmd-commands cmd-doctor cmd-down cmd-export \
	   cmd-gateway cmd-image cmd-ls cmd-pool cmd-reap cmd-replay \
	   cmd-report cmd-selftest cmd-show cmd-status cmd-up cmd-validate \
	   cmd-verify
# tests/unit/test_<name>.c, one cmocka binary each.
UNIT_TESTS = admin agent candidate caps cast chain check commands derived \
	   disks escape exercise fault guest gw_proto inject inject_apply marks \
	   password pool probe record report scenario seal units util variables vm \
	   yamltree
# Every unit test links tests/unit/file-fixture.c (reading data files);
# those against a real sshd on loopback, and those that write scenarios
# inline, link a fixture of their own from tests/unit/.
SSHD_TESTS	= check guest inject_apply
SCENARIO_TESTS	= candidate check inject
# tests/fuzz/fuzz_<name>.c, libFuzzer harnesses of the untrusted inputs.
FUZZERS	 = cast gw_proto marks scenario seal

PKGS	 = yaml-0.1 libvirt libvirt-qemu libssh jansson libcrypto libxml-2.0
VERSION	:= $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
PKG_OK	   := $(shell pkg-config --exists $(PKGS) 2>/dev/null && echo yes)

WARN	 = -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wformat=2 -Wshadow \
	   -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wvla \
	   -fno-common
ifeq ($(WERROR),1)
WARN	+= -Werror
endif
ifneq ($(SANITIZE),)
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
endif
ALL_CFLAGS  = $(WARN) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -Iprovisioner \
	      -MMD -MP -DBREAKFIX_VERSION='"$(VERSION)"' \
	      -DBREAKFIX_DATADIR='"$(PREFIX)/share/breakfix"'
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

LIB_OBJS   = $(MODULES:%=$(O)/%.o) $(COMMANDS:%=$(O)/%.o)
UNIT_BINS  = $(UNIT_TESTS:%=$(O)/test_%)
WEB_PLAYER = $(O)/web-player/asciinema-player.min.js
FUZZ_O	   = build/fuzz

.PHONY: all bench check clean cli-test cppcheck deps demo e2e fresh fuzz \
	fuzz-build fuzz-corpus fuzz-replay image install lint need-pkgs \
	unit web-player
.SUFFIXES:
.PRECIOUS: $(O)/%.o

all: breakfix

# --- building -----------------------------------------------------------

breakfix: $(O)/breakfix
	cp $< $@.tmp && mv -f $@.tmp $@

$(O)/breakfix: $(O)/main.o $(O)/libbreakfix.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/libbreakfix.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(O)/%.o: provisioner/%.c | $(O) need-pkgs
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/%.o: tests/unit/%.c | $(O) need-pkgs
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/test_%: $(O)/test_%.o $(O)/file-fixture.o $(O)/libbreakfix.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(O)/libbreakfix.a \
	    $(PKG_LIBS) -lcmocka

$(O)/test_%.o: ALL_CFLAGS += -DDATADIR='"$(CURDIR)/tests/data"'
$(SSHD_TESTS:%=$(O)/test_%): $(O)/sshd-fixture.o
$(SCENARIO_TESTS:%=$(O)/test_%): $(O)/scenario-fixture.o

# Benchmark programs (bench/<name>.c) that need breakfix's own modules.
$(O)/bench_%: bench/%.c $(O)/libbreakfix.a | need-pkgs
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libbreakfix.a \
	    $(PKG_LIBS)

# libFuzzer harnesses: only in a tree built with clang and
# -fsanitize=fuzzer-no-link (see fuzz-build).
$(O)/fuzz_%: tests/fuzz/fuzz_%.c $(O)/libbreakfix.a | need-pkgs
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(O)/libbreakfix.a \
	    $(PKG_LIBS)

$(O):
	mkdir -p $@

# The -dev packages are looked up when make starts: without them every
# file would fail on a missing header.
need-pkgs:
ifneq ($(PKG_OK),yes)
	@echo "make: missing development packages ($(PKGS));" \
	    "run 'make deps' as root" >&2; exit 1
endif

-include $(O)/*.d

# --- checking -------------------------------------------------------------

# make check: everything a change must pass. The end-to-end tests boot
# real VMs, so they need root, libvirtd and the base image: 'e2e' makes
# sure of all three first.
check:
	$(MAKE) O=build/san SANITIZE=address,undefined WERROR=1 unit
	$(MAKE) cppcheck lint
	$(MAKE) O=build/san SANITIZE=address,undefined WERROR=1 cli-test
	$(MAKE) fuzz-replay
	$(MAKE) fresh
	$(MAKE) WERROR=1 e2e

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# Modules include only their own layer and those below
# (docs/architecture.md); no function is over 70 lines.
lint:
	scripts/layers.sh
	scripts/funclen.sh

cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --std=c11 --inline-suppr -D__GNUC__ -Iprovisioner \
	    provisioner tests/unit

cli-test: $(O)/breakfix $(WEB_PLAYER)
	tests/integration/cli.sh $(O)/breakfix
	tests/integration/export.sh $(O)/breakfix
	tests/integration/spoof.sh $(O)/breakfix
	tests/integration/replay.exp $(O)/breakfix
	tests/integration/gateway.sh $(O)/breakfix

# The README's set-up (make demo up to where it needs libvirt) in a
# chroot of a Debian 12 with nothing installed: the root is made once
# and cached in /var/cache/breakfix/fresh-root (docs/operations.md).
fresh:
	tests/fresh/fresh-root.sh

# The scenarios' selftests take VMs from a pool of two filled ahead (each
# claim refills it in the background); the pool is drained afterwards.
# Scenarios with variables are proven at two fixed seeds, the same every
# run, so that the verdict never depends on a draw ('selftest --seeds N'
# draws new ones: for authors).
e2e: all image $(WEB_PLAYER)
	tests/e2e/lifecycle.sh ./breakfix
	tests/e2e/gateway.sh ./breakfix
	tests/e2e/admin.sh ./breakfix
	tests/e2e/host.sh ./breakfix
	tests/e2e/hostcheck.sh ./breakfix
	tests/e2e/kinds.sh ./breakfix
	tests/e2e/pool.sh ./breakfix
	BREAKFIX_POOL_SIZE=2 ./breakfix pool fill
	BREAKFIX_POOL_SIZE=2 ./breakfix selftest --jobs 2 --seed 1 \
	    scenarios/*.yaml; rc=$$?; \
	    if [ $$rc -eq 0 ]; then BREAKFIX_POOL_SIZE=2 ./breakfix selftest \
	    --seed 2 $$(grep -l '^variables:' scenarios/*.yaml); rc=$$?; fi; \
	    ./breakfix pool drain; exit $$rc

# --- fuzzing --------------------------------------------------------------

# Per fuzzer: where its saved cases are (inputs that once failed, kept
# forever; the unit tests replay them too), its seeds, dictionary and
# longest input. tests/fuzz/corpus/<name>/ holds what fuzzing reached,
# merged by 'make fuzz-corpus'.
FUZZ_CASES_cast	     = tests/data/cast/fuzz
FUZZ_SEEDS_cast	     = tests/data/cast/*.cast
FUZZ_MAXLEN_cast     = 16384
FUZZ_CASES_gw_proto  = tests/data/gw-proto/fuzz
FUZZ_SEEDS_gw_proto  = tests/data/gw-proto/*.msg
FUZZ_MAXLEN_gw_proto = 8192
FUZZ_CASES_marks     = tests/data/marks/fuzz
FUZZ_SEEDS_marks     = tests/data/marks/bash.out
FUZZ_MAXLEN_marks    = 8192
FUZZ_CASES_scenario  = tests/data/fuzz
FUZZ_SEEDS_scenario  = scenarios/*.yaml tests/data/good/*.yaml \
		       tests/data/bad/*.yaml
FUZZ_MAXLEN_scenario = 8192
FUZZ_CASES_seal	     = tests/data/seal/fuzz
FUZZ_SEEDS_seal	     = tests/data/seal/*.seal
FUZZ_MAXLEN_seal     = 2048
FUZZ_FLAGS = -dict=tests/fuzz/$*.dict -max_len=$(FUZZ_MAXLEN_$*) \
	     -timeout=10 -rss_limit_mb=1024

fuzz-build:
	$(MAKE) O=$(FUZZ_O) CC=clang SANITIZE=address,undefined \
	    CFLAGS='-O1 -g -fsanitize=fuzzer-no-link' \
	    $(FUZZERS:%=$(FUZZ_O)/fuzz_%)

# Seeds (named by their path: two may share a name), saved cases and
# the merged corpus, in one directory.
fuzz-inputs-%: fuzz-build
	rm -rf $(FUZZ_O)/inputs-$*
	mkdir -p $(FUZZ_O)/inputs-$*
	for f in $(FUZZ_SEEDS_$*); do \
	    cp $$f $(FUZZ_O)/inputs-$*/$$(echo $$f | tr / _); done
	for d in $(FUZZ_CASES_$*) tests/fuzz/corpus/$*; do \
	    if [ -d $$d ]; then find $$d -type f -exec cp {} \
	        $(FUZZ_O)/inputs-$*/ \; ; fi; done

# In make check: every input each fuzzer has, once. The verdict is the
# same on every run of the same tree.
fuzz-replay: $(FUZZERS:%=fuzz-replay-%)
fuzz-replay-%: fuzz-inputs-%
	@echo "== fuzz_$*: $$(ls $(FUZZ_O)/inputs-$* | wc -l) inputs, once each"
	$(FUZZ_O)/fuzz_$* -runs=0 $(FUZZ_FLAGS) \
	    -artifact_prefix=$(FUZZ_O)/replay-$*- $(FUZZ_O)/inputs-$* 2>&1 | \
	    tail -n 3; test $${PIPESTATUS[0]} -eq 0

# Open-ended: new inputs go to $(FUZZ_O)/corpus-<name>, a crash to the
# fuzzer's saved cases (fix it, and it is replayed from then on).
fuzz: $(FUZZERS:%=fuzz-run-%)
fuzz-run-%: fuzz-inputs-%
	mkdir -p $(FUZZ_O)/corpus-$* $(FUZZ_CASES_$*)
	$(FUZZ_O)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_CASES_$*)/ \
	    $(FUZZ_O)/corpus-$* $(FUZZ_O)/inputs-$* 2>&1 | tail -n 12; \
	    test $${PIPESTATUS[0]} -eq 0

# Keep what fuzzing reached, minimised, for fuzz-replay.
fuzz-corpus: $(FUZZERS:%=fuzz-corpus-%)
fuzz-corpus-%: fuzz-build
	mkdir -p tests/fuzz/corpus/$* $(FUZZ_O)/corpus-$*
	$(FUZZ_O)/fuzz_$* -merge=1 $(FUZZ_FLAGS) tests/fuzz/corpus/$* \
	    $(FUZZ_O)/corpus-$* 2>&1 | tail -n 2

# --- running ----------------------------------------------------------------

deps:
	scripts/deps.sh
	$(MAKE) web-player

# Each step its own make: the packages deps installs must be there
# before a make that builds looks for them.
demo:
	$(MAKE) deps
	$(MAKE) all
	scripts/demo.sh $(DEMO_FLAGS)

# The base image, built only when its recipe (or the admin key) changed.
image: all
	./breakfix doctor --fix >/dev/null || true
	./breakfix image build debian-12

# Figures, each script printing a table: launch cold/warm/hot, how many
# exercises fit, the gateway against direct SSH, the reviewer's tools,
# the admin channel's agent against SSH, socket segments between VMs.
bench: all image $(O)/bench_admin-cost
	bench/launch.sh
	bench/capacity.sh
	bench/gateway.sh
	bench/reviewer.sh
	bench/admin.sh $(O)/bench_admin-cost
	bench/segments.sh

# asciinema-player for 'breakfix export --html', from the npm registry
# (npm's cache after the first time), checked against the sums in
# third_party/asciinema-player/. Not needed to build breakfix.
web-player: $(WEB_PLAYER)
$(WEB_PLAYER): scripts/fetch-player.sh third_party/asciinema-player/SHA256SUMS
	scripts/fetch-player.sh $(O)/web-player
	touch $@

install: all $(WEB_PLAYER)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PREFIX)/share/breakfix
	install -m 0755 breakfix $(DESTDIR)$(BINDIR)/breakfix
	cp -R images scenarios $(DESTDIR)$(PREFIX)/share/breakfix/
	install -d $(DESTDIR)$(PREFIX)/share/breakfix/web-player
	install -m 0644 $(addprefix $(O)/web-player/,asciinema-player.min.js \
	    asciinema-player.css LICENSE VERSION) \
	    $(DESTDIR)$(PREFIX)/share/breakfix/web-player/

clean:
	rm -rf build breakfix
