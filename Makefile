# fwctl - XDP packet filter. `make` builds everything under build/.
#
#   make             BPF objects, skeletons, build/fwctl, test and bench tools;
#                    never installs packages: says what is missing and fails
#   make test        all tests (unit, CLI, end-to-end, differential); root
#   make demo        the reference scenario end to end; root
#   make bench       benchmarks against the alternatives, then on ClassBench,
#                    then the cost of tracing, then connection tracking; root
#   make bench-unit  in-kernel ns/packet against a trivial redirect; root
#   make bench-classbench  the ClassBench sets alone (issue 11); root
#   make bench-trace ns/packet of the datapath with tracing off and on
#                    (bench/trace.md); root
#   make bench-ct    connection tracking's cost alone (bench/conntrack.md); root
#   make fuzz        time-bounded differential fuzzing (FUZZ_SECONDS=60)
#   make install     build/fwctl to $(DESTDIR)$(SBINDIR), the man page to
#                    $(DESTDIR)$(MAN8DIR) (PREFIX=/usr/local by default)
#   make uninstall   remove what `make install` installed
#   make vmlinux     regenerate vmlinux/vmlinux.h from this kernel's BTF
#   make clean
#
# test, demo, fuzz and the bench goals first install the
# Debian packages they miss (scripts/install-deps.sh, as root). V=1 shows the
# commands.

BUILD     ?= build
PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
MAN8DIR   ?= $(PREFIX)/share/man/man8
INSTALL   ?= install
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
	       -DFWCTL_VERSION='"$(VERSION)"' $(JSONC_CFLAGS) $(MHD_CFLAGS)
# libmicrohttpd: the HTTP server of `fwctl metrics --listen` (libmicrohttpd-dev).
MHD_CFLAGS := $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS   := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
LDLIBS    := -lxdp -lbpf -lelf -lz -lm $(shell $(PKG_CONFIG) --libs libpcap 2>/dev/null || echo -lpcap) \
	     $(JSONC_LIBS) $(MHD_LIBS)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps test demo bench bench-unit bench-classbench bench-trace bench-ct fuzz install uninstall vmlinux clean

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
# bench/lib/ is no program: its objects are linked into every bench/X.
TOOL_DIRS  := $(filter-out bench/lib,$(sort $(patsubst %/,%,$(dir $(filter-out %.bpf.c,$(wildcard tests/*/*.c bench/*/*.c))))))
TOOLS      := $(addprefix $(BUILD)/,$(TOOL_DIRS))
tool_objs   = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out %.bpf.c,$(wildcard $(1)/*.c)))
BENCH_LIB_OBJS := $(call tool_objs,bench/lib)
tool_deps   = $(call tool_objs,$(1)) $(if $(filter bench/%,$(1)),$(BENCH_LIB_OBJS))
TOOL_OBJS  := $(foreach d,$(TOOL_DIRS),$(call tool_objs,$(d))) $(BENCH_LIB_OBJS)

all: $(SKELS) $(BUILD)/fwctl $(TOOLS)

# --- what the build needs ---------------------------------------------------
# Goals that run things install the Debian packages they miss; a plain build
# never installs anything. Every compile waits for `deps` (order-only).
ifneq ($(filter bench bench-unit bench-classbench bench-trace bench-ct,$(MAKECMDGOALS)),)
INSTALL_GROUP := bench
else ifneq ($(filter test demo fuzz,$(MAKECMDGOALS)),)
INSTALL_GROUP := run
endif

# Probed, not looked up in dpkg, so that a build from elsewhere (a packager's
# libbpf, another distribution) is judged by what is really there:
# "what the build runs or links=its Debian package".
BUILD_NEEDS := $(firstword $(CLANG))=clang $(firstword $(CC))=gcc $(firstword $(BPFTOOL))=bpftool \
	       $(firstword $(PKG_CONFIG))=pkg-config \
	       pc:libbpf=libbpf-dev pc:libxdp=libxdp-dev pc:libelf=libelf-dev \
	       pc:zlib=zlib1g-dev pc:libpcap=libpcap-dev pc:json-c=libjson-c-dev \
	       pc:libmicrohttpd=libmicrohttpd-dev

deps:
ifdef INSTALL_GROUP
	$(Q)scripts/install-deps.sh $(INSTALL_GROUP)
endif
	$(Q)missing= pkgs=; \
	for n in $(BUILD_NEEDS); do \
		what=$${n%=*}; \
		case $$what in \
		pc:*) $(PKG_CONFIG) --exists $${what#pc:} 2>/dev/null && continue ;; \
		*) command -v $$what >/dev/null 2>&1 && continue ;; \
		esac; \
		missing="$$missing $${what#pc:}"; pkgs="$$pkgs $${n##*=}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make: cannot build fwctl, missing:$$missing" >&2; \
		echo "make: install them as root: scripts/install-deps.sh build" \
		     "(on Debian 12: apt-get install$$pkgs)" >&2; \
		exit 1; \
	fi

# Versions of the libraries built against, for fwctl --version.
LIB_VERSIONS = -DFWCTL_LIBBPF_BUILT='"$(shell $(PKG_CONFIG) --modversion libbpf 2>/dev/null || echo unknown)"' \
	       -DFWCTL_LIBXDP_BUILT='"$(shell $(PKG_CONFIG) --modversion libxdp 2>/dev/null || echo unknown)"'
$(BUILD)/loader/version.o: USER_CFLAGS += $(LIB_VERSIONS)

$(BUILD)/%.bpf.o: %.bpf.c | $(BUILD) deps
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@

$(BUILD)/%.o: %.c $(SKELS) | deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

# Tools' objects live apart: build/tests/X is the program itself.
$(BUILD)/obj/%.o: %.c $(SKELS) | deps
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
$(TOOLS): $(BUILD)/%: $$(call tool_deps,$$*) $(LIBFWCTL)
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
	$(Q)bench/run.sh; rc=$$?; bench/classbench.sh && bench/trace.sh && bench/ct.sh && exit $$rc

bench-ct: all
	$(Q)bench/ct.sh

# Only the programs it runs: it does not need the test tools to build.
bench-classbench: deps $(BUILD)/fwctl $(BUILD)/bench/classbench $(BUILD)/bench/classifier \
		  $(BUILD)/bench/memlat \
		  $(BUILD)/bench/unit $(BUILD)/tests/cli
	$(Q)bench/classbench.sh

bench-unit: all
	$(Q)bench/unit.sh

bench-trace: all
	$(Q)bench/trace.sh

fuzz: all
	$(Q)tests/fuzz/run.sh

# --- installing (for packagers: make install DESTDIR=... PREFIX=/usr) -------
# fwctl embeds its BPF objects (skeletons): the binary and the man page are
# all there is. sbin: it is an administrator's tool that needs root.
install: $(BUILD)/fwctl
	$(call msg,INSTALL,$(DESTDIR)$(SBINDIR)/fwctl)
	$(Q)$(INSTALL) -D -m 0755 $(BUILD)/fwctl $(DESTDIR)$(SBINDIR)/fwctl
	$(call msg,INSTALL,$(DESTDIR)$(MAN8DIR)/fwctl.8)
	$(Q)$(INSTALL) -D -m 0644 docs/fwctl.8 $(DESTDIR)$(MAN8DIR)/fwctl.8

uninstall:
	$(call msg,RM,$(DESTDIR)$(SBINDIR)/fwctl)
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/fwctl
	$(call msg,RM,$(DESTDIR)$(MAN8DIR)/fwctl.8)
	$(Q)rm -f $(DESTDIR)$(MAN8DIR)/fwctl.8

vmlinux:
	$(Q)vmlinux/gen.sh

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(BPF_OBJS:.o=.d) $(LOADER_OBJS:.o=.d) $(BUILD)/loader/main.d $(TOOL_OBJS:.o=.d)
