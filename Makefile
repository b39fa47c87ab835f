# mizan — build, test, models, benchmarks.
#
#   make            bin/mizan-train and bin/mizan-classify
#   make deps       install the Debian packages the build needs (idempotent)
#   make check      Check suite, then the same suite under ASan/UBSan
#   make models     rebuild every shipped model from ../shared/corpora
#   make bench      throughput/memory benchmarks (needs ../shared)
#   make demo       set up, build, classify a sample with the shipped models
#   make install    programs and shipped models under PREFIX (/usr/local)

CC      ?= cc
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror
OPT     ?= -O2
PKGS    := icu-uc icu-i18n libcjson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# override: a CFLAGS given on the command line (make CFLAGS=-g) adds to these
# instead of replacing the standard, warnings and include paths the build needs
override CFLAGS += $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -iquote lib
LDLIBS  := -lsvm -llinear -lstemmer $(PKG_LIBS) -lpthread -lm
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

DEB_PKGS := gcc libsvm-dev liblinear-dev libicu-dev libcjson-dev check libstemmer-dev pkg-config

LIB_SRC   := $(sort $(wildcard lib/*.c))
TRAIN_SRC := $(sort $(wildcard train/*.c))
CLS_SRC   := $(sort $(wildcard classify/*.c))
TEST_SRC  := $(sort $(wildcard tests/test_*.c))

B := build/rel
A := build/asan
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
LIB_OBJ_A := $(LIB_SRC:%.c=$(A)/%.o)

.PHONY: all deps check check-rel check-asan models demo clean bench install uninstall
all: bin/mizan-train bin/mizan-classify

# The README's first command: set up, build, and classify a sample op-ed
# with the shipped models.
demo: deps
	@$(MAKE) --no-print-directory all >/dev/null
	bin/mizan-classify corpora/samples/csto-kazakhstan-oped.txt

# Every shipped model, rebuilt from the corpora beside the checkout.  Each
# command is the one recorded as train_command in the bundle's manifest.
SHARED := ../shared/corpora
STANCE := $(SHARED)/stance_ru_west/annotated.jsonl
# The project's own op-eds (corpora/opinion): trained on, never scored, so
# the cross-validated figures are those of the annotated corpus alone.
OPINION := --train-only corpora/opinion/train.jsonl
ANT := --corpus $(SHARED)/ant_multisource/train-00.jsonl --corpus $(SHARED)/ant_multisource/train-01.jsonl
models: all
	@test -d $(SHARED) || { echo "make models: $(SHARED) not found: the corpora must be beside the checkout" >&2; exit 1; }
	bin/mizan-train $(ANT) --out models/topic --max-features 90000 --punct --class-weight balanced --C 0.25 --source-field source
	bin/mizan-train --task stance --target russia --corpus $(STANCE) $(OPINION) --out models/stance-russia --window 0 --title-weight 1
	bin/mizan-train --task stance --target west --corpus $(STANCE) $(OPINION) --out models/stance-west --window 0 --title-weight 1
	bin/mizan-train --label-field frames --name frames --corpus $(STANCE) $(OPINION) --out models/frames --min-df 3 --title-weight 4 --primary-weight 0.5 --max-labels 3

# The programs go to PREFIX/bin and the shipped bundles with their data
# files to PREFIX/share/mizan/models, where the installed programs look for
# them (a checkout's bin/ looks in models/ beside it instead).  Each bundle
# is copied under a hidden name, which loaders skip, and exchanged with the
# old one in one step (renameat2 RENAME_EXCHANGE, by swapdirs), so a
# classifier started meanwhile finds the old bundle or the new one, never
# neither nor half of one (where the filesystem cannot exchange, two
# renames, between which a loader waits a moment and looks again).  The old bundle
# stays, hidden, until the next install, so a loader already reading it
# reads it whole.  uninstall removes what install put there, nothing else.
PREFIX ?= /usr/local
BINDIR = $(DESTDIR)$(PREFIX)/bin
MODELDIR = $(DESTDIR)$(PREFIX)/share/mizan/models
# The paths reach the shell through its environment, never inside quotes
# in the recipe: a PREFIX holding a quote or a space stays one path.
install uninstall: export MZ_BINDIR = $(BINDIR)
install uninstall: export MZ_MODELDIR = $(MODELDIR)
install uninstall: export MZ_SHAREDIR = $(DESTDIR)$(PREFIX)/share/mizan
install: all build/hostile/swapdirs
	@install -d "$$MZ_BINDIR" "$$MZ_MODELDIR"
	@install -m 755 bin/mizan-train bin/mizan-classify "$$MZ_BINDIR/"
	@echo "install bin/mizan-train bin/mizan-classify -> $$MZ_BINDIR"
	@install -m 644 models/stopwords-ar.txt models/targets.json "$$MZ_MODELDIR/"
	@echo "install models/stopwords-ar.txt models/targets.json -> $$MZ_MODELDIR"
	@set -e; for m in models/*/manifest.json; do \
	  b=$${m%/manifest.json}; n=$${b#models/}; d=$$MZ_MODELDIR; \
	  rm -rf "$$d/.$$n.new" "$$d/.$$n.old"; install -d "$$d/.$$n.new"; \
	  install -m 644 "$$b"/* "$$d/.$$n.new/"; \
	  if [ ! -e "$$d/$$n" ]; then mv "$$d/.$$n.new" "$$d/$$n"; \
	  elif build/hostile/swapdirs "$$d/.$$n.new" "$$d/$$n" 2>/dev/null; then mv "$$d/.$$n.new" "$$d/.$$n.old"; \
	  else mv "$$d/$$n" "$$d/.$$n.old"; mv "$$d/.$$n.new" "$$d/$$n"; fi; \
	  echo "install models/$$n -> $$d/$$n"; done

uninstall:
	@rm -f "$$MZ_BINDIR/mizan-train" "$$MZ_BINDIR/mizan-classify"
	@rm -f "$$MZ_MODELDIR/stopwords-ar.txt" "$$MZ_MODELDIR/targets.json"
	@echo "removed mizan's programs from $$MZ_BINDIR and its models from $$MZ_MODELDIR"
	@for m in models/*/manifest.json; do \
	  b=$${m%/manifest.json}; n=$${b#models/}; d=$$MZ_MODELDIR; \
	  rm -rf "$$d/$$n" "$$d/.$$n.new" "$$d/.$$n.old"; done
	-@rmdir "$$MZ_MODELDIR" "$$MZ_SHAREDIR" 2>/dev/null || true

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# V=1 shows the full commands.
Q := $(if $(V),,@)

$(B)/%.o: %.c $(wildcard lib/*.h train/*.h classify/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(A)/%.o: %.c $(wildcard lib/*.h train/*.h classify/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC asan $<")
	$(Q)$(CC) $(CFLAGS) -O1 -g $(SAN) -c $< -o $@

bin/mizan-train: $(TRAIN_SRC:%.c=$(B)/%.o) $(LIB_OBJ)
	@mkdir -p bin
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

bin/mizan-classify: $(CLS_SRC:%.c=$(B)/%.o) $(LIB_OBJ)
	@mkdir -p bin
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The suite list is generated from the suite constructors the test files
# define, so adding a test file never means editing a central list.
build/suites.h: $(TEST_SRC)
	@mkdir -p build
	@grep -h '^Suite \*suite_[a-z0-9_]*(void)' $(TEST_SRC) | sed 's/^Suite \*\(suite_[a-z0-9_]*\)(void).*/X(\1)/' > $@.tmp && mv $@.tmp $@

$(B)/tests/run: $(TEST_SRC:%.c=$(B)/%.o) $(B)/tests/check_main.o $(LIB_OBJ)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(A)/tests/run: $(TEST_SRC:%.c=$(A)/%.o) $(A)/tests/check_main.o $(LIB_OBJ_A)
	$(Q)$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(B)/tests/check_main.o $(A)/tests/check_main.o: build/suites.h
# the tests' own headers, beside the engine's every object depends on
$(TEST_SRC:%.c=$(B)/%.o) $(TEST_SRC:%.c=$(A)/%.o): $(wildcard tests/*.h tests/fuzz/*.h)
$(B)/tests/%.o $(A)/tests/%.o: override CFLAGS += -iquote build -iquote tests

# Further checks (fuzzing, hostile inputs) add their targets to CHECK_EXTRA
# from mk/*.mk.
CHECK_EXTRA :=
-include mk/*.mk

# Built in a make of its own, after deps: this one read pkg-config's flags
# before deps could install the libraries.  The suites then run one after
# another, each in a make of its own, so that -j does not run them side by
# side on a loaded machine while the builds inside them still share -j's
# jobs (a sub-make given -j1 had said it reset the jobserver).
check: deps
	@$(MAKE) --no-print-directory all $(B)/tests/run $(A)/tests/run
	@for t in check-rel check-asan $(CHECK_EXTRA); do \
	    $(MAKE) --no-print-directory $$t || exit 1; \
	done

check-rel: $(B)/tests/run all
	@echo "== Check suite (release build)"
	@MIZAN_ROOT="$$(pwd)" $(B)/tests/run

check-asan: $(A)/tests/run all
	@echo "== Check suite (AddressSanitizer + UBSan)"
	@MIZAN_ROOT="$$(pwd)" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(A)/tests/run

bench: all
	bench/throughput
	bench/soak

clean:
	rm -rf build bin
