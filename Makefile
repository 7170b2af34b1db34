# ntemu — GNU make, no configure step.
#   make              build/ntemu, build/libntemu.a and the tools
#   make check        unit suites, decoder oracle, CPU differential test, guest programs under
#                     ntemu, then the unit suites again under SAN=1
#   make demo         run hello.exe under ntemu, then ntdll exports on the bare interpreter
#   make sysroot      fetch and lay out the system image in build/sysroot (tools/sysroot.sh)
#   make guest        build tests/guest/*.c *.cpp with mingw into build/guest/{x64,x86}/NAME.exe
#   make bench-cpu    build and run the CPU benchmark
#   make fuzz-cpu N=  differential CPU fuzzing, N cases
#   make clean        remove build/ (the downloaded .deb cache lives outside the tree and stays)
#   make SAN=1 ...    ASan + UBSan build (into build/san/)
#   make PORTABLE=1 ... the interpreter without its x86-64 host shortcut (into build/portable/)
#   make DEBUG=1 ...  -O0 -g build (into build/debug/)

# Host packages first, on every invocation (cheap when present). At parse time, because the
# pkg-config flags below already need them; make clean needs nothing.
ifneq ($(filter-out clean,$(or $(MAKECMDGOALS),all)),)
  ifneq ($(shell bash tools/setup-deps.sh >&2; echo $$?),0)
    $(error build dependencies missing, see the setup-deps messages above)
  endif
endif

CC      ?= cc
PKG     := pkg-config
ifeq ($(SAN),1)
  B      := build/san
  MODEFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(PORTABLE),1)
  B      := build/portable
  MODEFLAGS := -O2 -g -DNTEMU_PORTABLE_FENV
else ifeq ($(DEBUG),1)
  B      := build/debug
  MODEFLAGS := -O0 -g
else
  B      := build
  MODEFLAGS := -O2 -g
endif

WARN    := -Wall -Wextra -Wno-unused-parameter
DEPCFLAGS := $(shell $(PKG) --cflags libxxhash check 2>/dev/null)
CFLAGS  += -std=c11 -D_GNU_SOURCE $(MODEFLAGS) $(WARN) -MMD -MP -Iinclude -I. $(DEPCFLAGS)
# Debian's Zydis 4.0 ships no .pc; libZydis.so carries its Zycore parts itself (decoder,
# formatter and encoder link with -lZydis alone).
LDLIBS  += -lZydis $(shell $(PKG) --libs libxxhash 2>/dev/null || echo -lxxhash) -lm
CHECK_LIBS := $(shell $(PKG) --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lpthread)
LDFLAGS += $(MODEFLAGS)

LIB_SRCS  := $(wildcard cpu/*.c kernel/*.c loader/*.c syscalls/*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(B)/obj/%.o)
TOOL_SRCS := $(wildcard tools/*.c)
TOOLS     := $(TOOL_SRCS:tools/%.c=$(B)/%)
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TESTS     := $(TEST_SRCS:tests/unit/%.c=$(B)/tests/%)
TEST_SUPPORT := $(filter-out $(TEST_SRCS),$(wildcard tests/unit/*.c))
TEST_SUPPORT_OBJS := $(TEST_SUPPORT:%.c=$(B)/obj/%.o)
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCHES   := $(BENCH_SRCS:tests/bench/%.c=$(B)/bench/%)

.PHONY: all clean check unit guest check-guest demo sysroot bench bench-cpu fuzz-cpu
all: $(B)/libntemu.a $(TOOLS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The registry seed is assembled into registry.o with .incbin, which -MMD cannot see.
$(B)/obj/kernel/registry.o: kernel/registry.txt

$(B)/libntemu.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(TOOLS): $(B)/%: $(B)/obj/tools/%.o $(B)/libntemu.a
	$(CC) $(LDFLAGS) -o $@ $< $(B)/libntemu.a $(LDLIBS)

$(TESTS): $(B)/tests/%: $(B)/obj/tests/unit/%.o $(TEST_SUPPORT_OBJS) $(B)/libntemu.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(TEST_SUPPORT_OBJS) $(B)/libntemu.a $(LDLIBS) $(CHECK_LIBS)

$(BENCHES): $(B)/bench/%: $(B)/obj/tests/bench/%.o $(B)/libntemu.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(B)/libntemu.a $(LDLIBS)

# --- system image -------------------------------------------------------------------------
# One image for every build mode. ntemu looks for it in --sysroot DIR, else $NTEMU_SYSROOT,
# else sysroot/ beside its own binary: build/san/sysroot and build/debug/sysroot are links.
SYSROOT       := build/sysroot
SYSROOT_STAMP := $(SYSROOT)/VERSION

$(SYSROOT_STAMP): tools/sysroot.sh
	bash tools/sysroot.sh $(SYSROOT)

sysroot: $(SYSROOT_STAMP)
	@bash tools/sysroot.sh --status $(SYSROOT)

ifneq ($(B),build)
all: $(B)/sysroot
# A symlink may dangle until the image exists, so test for the link, not its target.
.PHONY: $(B)/sysroot
$(B)/sysroot:
	@mkdir -p $(B) && { [ -L $@ ] || ln -s ../sysroot $@; }
endif

# --- tests --------------------------------------------------------------------------------
# Suites get the image's absolute path; sanitized code is several times slower, so Check's
# per-test timeouts are stretched under SAN.
unit: $(TESTS) | $(SYSROOT_STAMP)
	@fail=; for t in $(TESTS); do \
	    echo "== $$t"; \
	    NTEMU_SYSROOT=$(abspath $(SYSROOT)) UBSAN_OPTIONS=print_stacktrace=1 \
	    CK_TIMEOUT_MULTIPLIER=$(if $(filter 1,$(SAN)),10,1) $$t || fail="$$fail $$t"; \
	done; \
	if [ -n "$$fail" ]; then echo "FAILED:$$fail"; exit 1; fi; \
	echo "unit ($(B)): $(words $(TESTS)) suites passed"

check: all unit check-guest
ifneq ($(SAN),1)
	@$(MAKE) --no-print-directory SAN=1 all unit
	@$(MAKE) --no-print-directory check-portable
endif

# The interpreter's one host-specific shortcut (SSE arithmetic reads the host's MXCSR on
# x86-64) has a portable <fenv.h> path, which every other host takes: build and test it here.
PORTABLE_TESTS := test_sse test_x87 test_cpu_fast
.PHONY: check-portable
check-portable:
	@$(MAKE) --no-print-directory PORTABLE=1 TESTS="$(PORTABLE_TESTS:%=build/portable/tests/%)" unit diff-cpu-run

# --- guest programs (mingw) ---------------------------------------------------------------
# Built and run under ntemu as part of check (x86-64 builds; the x86 ones wait for WOW64).
GUEST_C   := $(wildcard tests/guest/*.c)
GUEST_CXX := $(wildcard tests/guest/*.cpp)
GUEST_NAMES := $(basename $(notdir $(GUEST_C) $(GUEST_CXX)))
GUEST_EXES  := $(foreach a,x64 x86,$(GUEST_NAMES:%=build/guest/$(a)/%.exe))
GUEST_CFLAGS   := -O2 -Wall -Wextra -MMD -MP -static-libgcc
GUEST_CXXFLAGS := -O2 -Wall -Wextra -MMD -MP -static-libgcc -static-libstdc++

# $(1) = build/guest subdirectory, $(2) = mingw target triplet
# A program's own link options, if it needs any: GUEST_LDFLAGS_<subdirectory>_<name>.
# relocated.exe is linked at the base of its architecture's ntdll so that it must move.
GUEST_LDFLAGS_x64_relocated := -Wl,--image-base=0x170000000 -Wl,--dynamicbase
GUEST_LDFLAGS_x86_relocated := -Wl,--image-base=0x7bc00000 -Wl,--dynamicbase
define guest_rules
build/guest/$(1)/%.exe: tests/guest/%.c
	@mkdir -p $$(dir $$@)
	$(2)-gcc $$(GUEST_CFLAGS) -o $$@ $$< $$(GUEST_LDFLAGS_$(1)_$$*)
build/guest/$(1)/%.exe: tests/guest/%.cpp
	@mkdir -p $$(dir $$@)
	$(2)-g++ $$(GUEST_CXXFLAGS) -o $$@ $$< $$(GUEST_LDFLAGS_$(1)_$$*)
endef
$(eval $(call guest_rules,x64,x86_64-w64-mingw32))
$(eval $(call guest_rules,x86,i686-w64-mingw32))

guest: $(GUEST_EXES)

# Run the x86-64 guest programs under ntemu against tests/guest/NAME.{out,err,run}.
check-guest: $(B)/ntemu guest | $(SYSROOT_STAMP)
	NTEMU_SYSROOT=$(abspath build/sysroot) tests/guest/run.sh $(B)/ntemu build/guest/x64

# --- demo and benchmarks ------------------------------------------------------------------
# make bench: one C source natively and as a guest under ntemu (SCALE= sets the work).
build/bench/cpubound: tests/bench/program/cpubound.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -o $@ $<
build/bench/cpubound.exe: tests/bench/program/cpubound.c
	@mkdir -p $(dir $@)
	x86_64-w64-mingw32-gcc -O2 -o $@ $<
bench: $(B)/ntemu build/bench/cpubound build/bench/cpubound.exe build/guest/x64/hello.exe | $(SYSROOT_STAMP)
	NTEMU_SYSROOT=$(abspath build/sysroot) tests/bench/run-bench.sh $(B)/ntemu build/bench/cpubound \
		build/bench/cpubound.exe build/guest/x64/hello.exe $(SCALE)
# The demo: a mingw hello.exe booted by Wine's ntdll on ntemu, then ntdll's own exports run
# on the bare interpreter (cpu-demo).
demo: all build/guest/x64/hello.exe | $(SYSROOT_STAMP)
	@echo '$$ build/ntemu build/guest/x64/hello.exe a "b c"'
	@$(B)/ntemu --sysroot build/sysroot build/guest/x64/hello.exe a "b c"; \
	    echo "(exit status $$?: the program's return value)"
	@echo
	@echo '$$ $(B)/cpu-demo'
	@$(B)/cpu-demo build/sysroot

bench-cpu: $(B)/bench/bench_cpu
	$< $(BENCH_ARGS)

# --- differential CPU tests (owned by the diff helper) ---
# tests/diff/*.c are one program: every opcode row runs natively and in the interpreter from the
# same random state (x86-64 hosts; it says "skipped" elsewhere). check runs a fixed seed with
# DIFF_CASES cases per form; fuzz-cpu runs N random cases (SEED= to replay a run). Mismatches also
# go to build/diff-mismatches.txt.
DIFF_SRCS  := $(wildcard tests/diff/*.c)
DIFF_OBJS  := $(DIFF_SRCS:%.c=$(B)/obj/%.o)
DIFF_CASES ?= 300
$(B)/diff-cpu: $(DIFF_OBJS) $(B)/libntemu.a
	$(CC) $(LDFLAGS) -o $@ $(DIFF_OBJS) $(B)/libntemu.a $(LDLIBS)

.PHONY: diff-cpu-run
diff-cpu-run: $(B)/diff-cpu
	@mkdir -p build && rm -f build/diff-mismatches.txt
	$(B)/diff-cpu --seed 1 --cases $(DIFF_CASES) --out build/diff-mismatches.txt
# Not under SAN: ASan's shadow memory covers the fixed addresses the native stub needs.
ifneq ($(SAN),1)
check: diff-cpu-run
endif

N    ?= 100000
SEED ?= $(shell date +%s)
fuzz-cpu: $(B)/diff-cpu
	$(B)/diff-cpu --fuzz $(N) --seed $(SEED) --out build/diff-mismatches.txt

# bench-cpu's guest kernels: freestanding position-independent code linked into one flat blob
# that bench_cpu embeds (.incbin) and runs natively and on the interpreter.
BENCH_GUEST_CFLAGS := -O2 -ffreestanding -fno-builtin -fno-stack-protector -fcf-protection=none \
	-fno-asynchronous-unwind-tables -fPIE -fvisibility=hidden -fno-math-errno \
	-fno-tree-loop-distribute-patterns -nostdlib -Wall -Wextra
$(B)/bench/kernels.bin: tests/bench/guest/kernels.c tests/bench/guest/kernels.ld
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_GUEST_CFLAGS) -c -o $(B)/bench/kernels.o $<
	ld --no-warn-rwx-segments -T tests/bench/guest/kernels.ld -o $(B)/bench/kernels.elf $(B)/bench/kernels.o
	objcopy -O binary $(B)/bench/kernels.elf $@
$(B)/obj/tests/bench/bench_cpu.o: $(B)/bench/kernels.bin
$(B)/obj/tests/bench/bench_cpu.o: CFLAGS += -DBENCH_KERNELS='"$(B)/bench/kernels.bin"'
# --- end of differential CPU tests ---

clean:
	rm -rf build

-include $(wildcard $(B)/obj/*/*.d $(B)/obj/*/*/*.d $(B)/obj/*/*/*/*.d build/guest/*/*.d)
