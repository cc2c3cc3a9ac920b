# breakfix - Linux troubleshooting exercises in throwaway VMs.
#
#   make            build ./breakfix
#   make check      unit tests under ASan/UBSan, cppcheck, CLI tests, fuzzing
#   make demo       install what is needed, build, and show the sample exercises
#   make deps       install the Debian packages breakfix needs (root)
#   make fuzz       run the fuzzers (FUZZ_SECONDS in all, default 60)
#   make install    install into $(DESTDIR)$(PREFIX)
#   make web-player fetch asciinema-player (npm) for 'breakfix export'
#
# Switches: WERROR=1 (warnings are errors), SANITIZE=address,undefined,
# O=DIR (object directory, default build), CC=clang.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
O	?= build
CC	?= cc
CFLAGS	?= -O2 -g
FUZZ_SECONDS ?= 60

PKGS	 = yaml-0.1 libvirt libssh jansson libcrypto libxml-2.0
VERSION	:= $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

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

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS  = $(WARN) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -Iprovisioner \
	      -DBREAKFIX_VERSION='"$(VERSION)"' \
	      -DBREAKFIX_DATADIR='"$(PREFIX)/share/breakfix"'
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# Modules (no printing, no exiting) and commands.
MODULES	 = util log diag units yamltree fault scenario config spawn keys password \
	   credentials \
	   image vm guest exercise check candidate inject inject-fs inject-sys \
	   inject-proc inject-net record marks gateway gw-session cast commands \
	   report
COMMANDS = cmd cmd-validate cmd-show cmd-image cmd-up cmd-ls cmd-status \
	   cmd-check cmd-down cmd-reap cmd-doctor cmd-selftest cmd-gateway \
	   cmd-verify cmd-commands cmd-report
LIB_OBJS = $(MODULES:%=$(O)/%.o) $(COMMANDS:%=$(O)/%.o)
UNIT_TESTS = util units yamltree scenario fault vm guest exercise candidate \
	     inject inject_apply record password marks commands report
UNIT_BINS  = $(UNIT_TESTS:%=$(O)/test_%)
# Unit tests against a real sshd on loopback link tests/unit/sshd-fixture.c.
SSHD_TESTS = guest inject_apply
# breakfix export: a session as one HTML page (asciinema-player inlined).
MODULES	+= htmlexport
COMMANDS += cmd-export
WEB_PLAYER = build/web-player/asciinema-player.min.js
# breakfix replay: the terminal player (cast is read by the reviewer's tools).
MODULES	+= player
COMMANDS += cmd-replay
# The pool of exercises booted ahead of time (breakfix pool).
MODULES	+= pool
COMMANDS += cmd-pool
UNIT_TESTS += cast
UNIT_TESTS += pool

.PHONY: all check unit cppcheck cli-test fuzz fuzz-build deps demo install \
	bench clean e2e image web-player
.SUFFIXES:

all: breakfix

breakfix: $(O)/breakfix
	cp $< $@.tmp && mv -f $@.tmp $@

$(O)/breakfix: $(O)/main.o $(O)/libbreakfix.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/libbreakfix.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(O)/%.o: provisioner/%.c provisioner/*.h | $(O)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/test_%: tests/unit/test_%.c $(O)/libbreakfix.a
	$(CC) $(ALL_CFLAGS) -DDATADIR='"$(CURDIR)/tests/data"' $(ALL_LDFLAGS) \
	    -o $@ $< $(filter %.o,$^) $(O)/libbreakfix.a $(PKG_LIBS) -lcmocka

$(SSHD_TESTS:%=$(O)/test_%): $(O)/sshd-fixture.o tests/unit/sshd-fixture.h

$(O)/sshd-fixture.o: tests/unit/sshd-fixture.c tests/unit/sshd-fixture.h \
    provisioner/*.h | $(O)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Unit tests that write scenarios inline link tests/unit/scenario-fixture.c.
SCENARIO_TESTS = inject candidate
$(SCENARIO_TESTS:%=$(O)/test_%): $(O)/scenario-fixture.o \
    tests/unit/scenario-fixture.h

$(O)/scenario-fixture.o: tests/unit/scenario-fixture.c \
    tests/unit/scenario-fixture.h provisioner/*.h | $(O)
	$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<

$(O):
	mkdir -p $@

# make check: everything a change must pass. The end-to-end tests boot
# real VMs, so they need root, libvirtd and the base image: 'e2e' makes
# sure of all three first.
check:
	$(MAKE) O=build/san SANITIZE=address,undefined WERROR=1 unit
	$(MAKE) cppcheck
	$(MAKE) O=build/san SANITIZE=address,undefined WERROR=1 cli-test
	$(MAKE) fuzz
	$(MAKE) WERROR=1 e2e

# The scenarios' selftests take VMs from a pool of two filled ahead (each
# claim refills it in the background); the pool is drained afterwards.
e2e: all image
	tests/e2e/lifecycle.sh ./breakfix
	tests/e2e/gateway.sh ./breakfix
	tests/e2e/pool.sh ./breakfix
	BREAKFIX_POOL_SIZE=2 ./breakfix pool fill
	BREAKFIX_POOL_SIZE=2 ./breakfix selftest --jobs 2 scenarios/*.yaml; \
	    rc=$$?; ./breakfix pool drain; exit $$rc

# Figures, each script printing a table: launch cold/warm/hot, how many
# exercises fit, the gateway against direct SSH, the reviewer's tools.
bench: all image
	bench/launch.sh
	bench/capacity.sh
	bench/gateway.sh
	bench/reviewer.sh

# The base image, built only when its recipe (or the admin key) changed.
image: all
	./breakfix doctor --fix >/dev/null || true
	./breakfix image build debian-12

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

cli-test: $(O)/breakfix $(WEB_PLAYER)
	tests/integration/cli.sh $(O)/breakfix
	tests/integration/export.sh $(O)/breakfix
	tests/integration/replay.exp $(O)/breakfix

# asciinema-player for 'breakfix export --html', from the npm registry
# (npm's cache after the first time), checked against the sums in
# third_party/asciinema-player/. Not needed to build breakfix.
web-player: $(WEB_PLAYER)
$(WEB_PLAYER): scripts/fetch-player.sh third_party/asciinema-player/SHA256SUMS
	scripts/fetch-player.sh build/web-player
	touch $@

cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --std=c11 --inline-suppr -D__GNUC__ -Iprovisioner \
	    provisioner tests/unit

# The fuzzers are built with clang; crashes land in tests/data/fuzz/
# (scenarios), tests/data/marks/fuzz/ (marks) and tests/data/cast/fuzz/
# (recordings) so that the unit tests replay them forever after.
# FUZZ_SECONDS is shared between the three.
FUZZ_O	= build/fuzz
FUZZERS	= scenario marks cast
fuzz-build:
	$(MAKE) O=$(FUZZ_O) CC=clang SANITIZE=address,undefined \
	    CFLAGS='-O1 -g -fsanitize=fuzzer-no-link' $(FUZZ_O)/libbreakfix.a
	set -e; for f in $(FUZZERS); do \
	    clang $(WARN) -O1 -g -Iprovisioner $(PKG_CFLAGS) \
	    -fsanitize=fuzzer,address,undefined \
	    -o $(FUZZ_O)/fuzz_$$f tests/fuzz/fuzz_$$f.c \
	    $(FUZZ_O)/libbreakfix.a $(PKG_LIBS); done

fuzz: fuzz-build
	mkdir -p $(FUZZ_O)/corpus tests/data/fuzz
	cp scenarios/*.yaml tests/data/good/*.yaml tests/data/bad/*.yaml \
	    $(FUZZ_O)/corpus/
	$(FUZZ_O)/fuzz_scenario -max_total_time=$$(( ($(FUZZ_SECONDS) + 2) / 3 )) \
	    -dict=tests/fuzz/scenario.dict -max_len=8192 -timeout=10 \
	    -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix=tests/data/fuzz/ $(FUZZ_O)/corpus 2>&1 | \
	    tail -n 12; test $${PIPESTATUS[0]} -eq 0
	mkdir -p $(FUZZ_O)/corpus-marks tests/data/marks/fuzz
	cp tests/data/marks/bash.out $(FUZZ_O)/corpus-marks/
	$(FUZZ_O)/fuzz_marks -max_total_time=$$(( ($(FUZZ_SECONDS) + 1) / 3 + \
	    ($(FUZZ_SECONDS) < 2) )) \
	    -dict=tests/fuzz/marks.dict -max_len=8192 -timeout=10 \
	    -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix=tests/data/marks/fuzz/ $(FUZZ_O)/corpus-marks \
	    2>&1 | tail -n 12; test $${PIPESTATUS[0]} -eq 0
	mkdir -p $(FUZZ_O)/corpus-cast tests/data/cast/fuzz
	cp tests/data/cast/*.cast $(FUZZ_O)/corpus-cast/
	$(FUZZ_O)/fuzz_cast -max_total_time=$$(( $(FUZZ_SECONDS) / 3 + \
	    ($(FUZZ_SECONDS) < 3) )) \
	    -dict=tests/fuzz/cast.dict -max_len=16384 -timeout=10 \
	    -rss_limit_mb=1024 -print_final_stats=1 \
	    -artifact_prefix=tests/data/cast/fuzz/ $(FUZZ_O)/corpus-cast \
	    2>&1 | tail -n 12; test $${PIPESTATUS[0]} -eq 0

deps:
	scripts/deps.sh
	$(MAKE) web-player

demo: deps all
	scripts/demo.sh

install: all $(WEB_PLAYER)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PREFIX)/share/breakfix
	install -m 0755 breakfix $(DESTDIR)$(BINDIR)/breakfix
	cp -R images scenarios $(DESTDIR)$(PREFIX)/share/breakfix/
	install -d $(DESTDIR)$(PREFIX)/share/breakfix/web-player
	install -m 0644 build/web-player/asciinema-player.min.js \
	    build/web-player/asciinema-player.css build/web-player/LICENSE \
	    build/web-player/VERSION $(DESTDIR)$(PREFIX)/share/breakfix/web-player/

clean:
	rm -rf build breakfix

SHELL = /bin/bash
