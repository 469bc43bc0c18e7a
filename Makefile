# fwctl - XDP packet filter. `make` builds everything under build/.
#
#   make             BPF objects, skeletons, build/fwctl, test and bench tools
#   make test        all tests (unit, CLI, end-to-end, differential); root
#   make demo        the reference scenario end to end; root
#   make bench       benchmarks against the alternatives; root
#   make bench-unit  in-kernel ns/packet against a trivial redirect; root
#   make bench-trace ns/packet of the datapath with tracing off and on; root
#   make fuzz        time-bounded differential fuzzing (FUZZ_SECONDS=60)
#   make vmlinux     regenerate vmlinux/vmlinux.h from this kernel's BTF
#   make clean
#
# V=1 shows the commands.

BUILD     ?= build
CLANG     ?= clang
CC        ?= cc
BPFTOOL   ?= bpftool
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

WARN      := -Wall -Wextra -Werror
BPF_CFLAGS := -target bpf -O2 -g -D__TARGET_ARCH_$(ARCH) $(WARN) -MMD -MP \
	      -Ivmlinux -Iinclude -Ibpf
CFLAGS    ?= -O2 -g
PKG_CONFIG ?= pkg-config
# json-c: every --json output is built with it (Debian: libjson-c-dev).
JSONC_CFLAGS := $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSONC_LIBS   := $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
USER_CFLAGS := $(CFLAGS) $(WARN) -MMD -MP -D_GNU_SOURCE -I$(BUILD) -Iinclude -Iloader \
	       -DFWCTL_VERSION='"$(VERSION)"' $(JSONC_CFLAGS)
LDLIBS    := -lxdp -lbpf -lelf -lz -lm $(shell $(PKG_CONFIG) --libs libpcap 2>/dev/null || echo -lpcap) \
	     $(JSONC_LIBS)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps test demo bench bench-unit bench-trace fuzz vmlinux clean

# --- BPF objects and their skeletons ---------------------------------------
BPF_SRCS  := $(wildcard bpf/*.bpf.c tests/*/*.bpf.c bench/*/*.bpf.c)
BPF_OBJS  := $(addprefix $(BUILD)/,$(notdir $(BPF_SRCS:.bpf.c=.bpf.o)))
SKELS     := $(BPF_OBJS:.bpf.o=.skel.h)
vpath %.bpf.c $(sort $(dir $(BPF_SRCS)))

# --- the loader: libfwctl.a (everything but main) + build/fwctl -------------
LOADER_SRCS := $(filter-out loader/main.c,$(wildcard loader/*.c))
LOADER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LOADER_SRCS))
LIBFWCTL    := $(BUILD)/libfwctl.a

# --- tools: each directory tests/X/ or bench/X/ holding C files is one
# program, build/tests/X or build/bench/X, linked with libfwctl.a.
TOOL_DIRS  := $(sort $(patsubst %/,%,$(dir $(filter-out %.bpf.c,$(wildcard tests/*/*.c bench/*/*.c)))))
TOOLS      := $(addprefix $(BUILD)/,$(TOOL_DIRS))
tool_objs   = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out %.bpf.c,$(wildcard $(1)/*.c)))
TOOL_OBJS  := $(foreach d,$(TOOL_DIRS),$(call tool_objs,$(d)))

all: deps $(SKELS) $(BUILD)/fwctl $(TOOLS)

# Install what is missing from Debian's packages (quiet when all is there).
deps:
	$(Q)scripts/install-deps.sh

$(BUILD)/%.bpf.o: %.bpf.c | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(BUILD)/%.o: %.c $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

# Tools' objects live apart: build/tests/X is the program itself.
$(BUILD)/obj/%.o: %.c $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(LIBFWCTL): $(LOADER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fwctl: $(BUILD)/loader/main.o $(LIBFWCTL)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

.SECONDEXPANSION:
$(TOOLS): $(BUILD)/%: $$(call tool_objs,$$*) $(LIBFWCTL)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD):
	$(Q)mkdir -p $@

# --- running things (root) --------------------------------------------------
test: all
	$(Q)tests/run.sh

demo: all
	$(Q)scripts/demo.sh

bench: all
	$(Q)bench/run.sh

bench-unit: all
	$(Q)bench/unit.sh

bench-trace: all
	$(Q)bench/trace.sh

fuzz: all
	$(Q)tests/fuzz/run.sh

vmlinux:
	$(Q)vmlinux/gen.sh

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(BPF_OBJS:.o=.d) $(LOADER_OBJS:.o=.d) $(BUILD)/loader/main.d $(TOOL_OBJS:.o=.d)
