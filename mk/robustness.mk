# mk/robustness.mk — reliability and security checks (included by the Makefile).
#
#   make hostile     the hostile-input battery: the real programs with the
#                    shipped models fed every kind of bad input
#                    (tests/hostile/run; part of make check)
#   make fuzz        every libFuzzer target for FUZZ_SECONDS (default 60) each
#   make fuzz-check  the same for FUZZ_CHECK_SECONDS (default 5) after
#                    replaying every seed and regression input (part of make check)
#   make valgrind    both programs on hostile and normal inputs under valgrind
#   make tsan        both programs built with ThreadSanitizer: the classifier
#                    -j 4 on a stream with every shipped bundle (loaded in
#                    parallel), -j 8 with one, and training --threads 4
#                    (make tsan-check, part of make check, runs the same)
#
# Fuzz targets are tests/fuzz/fuzz_<name>.c, seeds and regression inputs in
# tests/fuzz/<name>/ (replayed one by one first), inputs of known, unfixed
# bugs in tests/fuzz/known/<name>/ (replayed, reported, not failing).
# clang with the libFuzzer runtime is installed when missing and we are
# root (tests/fuzz/toolchain).  Battery cases and valgrind runs that fail
# because of known, unfixed bugs are listed in tests/hostile/known-failures:
# reported as KNOWN (or FIXED once they pass), not failing.  The crafted-
# bundle loader tests that must run in process (under ASan in check-asan)
# are the Check suite tests/test_hostile_bundle.c.

FUZZ_TARGETS       := doc record corpus vocab svm bundle lsa encoding
FUZZ_SECONDS       ?= 60
FUZZ_CHECK_SECONDS ?= 5
FUZZ_JOBS          ?= $(shell nproc 2>/dev/null || echo 1)
FUZZ_CC            ?= clang

FZ        := build/fuzz
FZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra $(FZ_SAN) $(PKG_CFLAGS) -iquote lib -iquote tests/fuzz
FZ_LIB    := $(LIB_SRC:%.c=$(FZ)/%.o)
FZ_BINS   := $(FUZZ_TARGETS:%=$(FZ)/fuzz_%)

TS        := build/tsan
TS_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=thread $(PKG_CFLAGS) -iquote lib

TS_OBJ    := $(CLS_SRC:%.c=$(TS)/%.o) $(LIB_SRC:%.c=$(TS)/%.o)
TS_TOBJ   := $(TRAIN_SRC:%.c=$(TS)/%.o) $(LIB_SRC:%.c=$(TS)/%.o)

HOSTILE_HELPER := build/hostile/jsonl-check build/hostile/swapdirs

# objects reached only through pattern rules: keep them between runs
.SECONDARY: $(FZ_LIB) $(TS_OBJ) $(TS_TOBJ)

.PHONY: hostile fuzz fuzz-check fuzz-build valgrind tsan tsan-check tsan-build

CHECK_EXTRA += hostile fuzz-check tsan-check

# ---------------------------------------------------------------- hostile

build/hostile/jsonl-check: tests/hostile/jsonl-check.c
	@mkdir -p $(dir $@)
	@$(CC) $(CSTD) $(WARN) -O1 $(PKG_CFLAGS) -o $@ $< $(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson)

build/hostile/swapdirs: tests/hostile/swapdirs.c
	@mkdir -p $(dir $@)
	@$(CC) $(CSTD) $(WARN) -O1 -o $@ $<

hostile: all $(HOSTILE_HELPER)
	@echo "== Hostile-input battery (tests/hostile/run)"
	@bash tests/hostile/run

# ---------------------------------------------------------------- fuzzing

$(FZ)/toolchain.ok: tests/fuzz/toolchain
	@mkdir -p $(FZ)
	@FUZZ_CC='$(FUZZ_CC)' bash tests/fuzz/toolchain $(FZ)
	@touch $@

$(FZ)/%.o: %.c $(wildcard lib/*.h) | $(FZ)/toolchain.ok
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(FZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FZ_LIB) | $(FZ)/toolchain.ok
	@echo "  fuzz target $@"
	@$(FUZZ_CC) $(FZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FZ_LIB) $(LDLIBS)

# The instrumented library is compiled with every core even under a
# plain `make check`: compiling it one file at a time is most of the wait.
# Under `make -jN` the jobs are the caller's (a sub-make given its own -j
# says it resets the jobserver).
FUZZ_J = $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(FUZZ_JOBS))
fuzz-build: $(FZ)/toolchain.ok
	@$(MAKE) --no-print-directory -s $(FUZZ_J) $(FZ_BINS)

fuzz-check: fuzz-build
	@echo "== libFuzzer targets, $(FUZZ_CHECK_SECONDS) s each (FUZZ_CHECK_SECONDS)"
	@bash tests/fuzz/run --seconds $(FUZZ_CHECK_SECONDS) --jobs $(FUZZ_JOBS) $(FUZZ_TARGETS)

fuzz: fuzz-build
	@echo "== libFuzzer targets, $(FUZZ_SECONDS) s each (FUZZ_SECONDS)"
	@bash tests/fuzz/run --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) $(FUZZ_TARGETS)

# ---------------------------------------------------------------- valgrind

valgrind: all $(HOSTILE_HELPER)
	@echo "== valgrind: both programs on hostile and normal inputs"
	@bash tests/hostile/valgrind

# ---------------------------------------------------------------- tsan

$(TS)/%.o: %.c $(wildcard lib/*.h classify/*.h train/*.h) | $(FZ)/toolchain.ok
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(TS_CFLAGS) -c $< -o $@

$(TS)/mizan-classify: $(TS_OBJ)
	@$(FUZZ_CC) $(TS_CFLAGS) -o $@ $^ $(LDLIBS)

$(TS)/mizan-train: $(TS_TOBJ)
	@$(FUZZ_CC) $(TS_CFLAGS) -o $@ $^ $(LDLIBS)

tsan-build: all $(FZ)/toolchain.ok
	@$(MAKE) --no-print-directory -s $(FUZZ_J) $(TS)/mizan-classify $(TS)/mizan-train

tsan: tsan-build
	@echo "== ThreadSanitizer: mizan-classify -j 4 and -j 8, mizan-train --threads 4"
	@bash tests/hostile/tsan $(TS)/mizan-classify $(TS)/mizan-train

tsan-check: tsan

