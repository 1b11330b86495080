# The two set-up commands from README.md. Each is self-sufficient on a machine with only Python 3.11+.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test bench eval

run:
	python3 -m venv $(VENV) && $(PY) -m pip install -q -e . && $(VENV)/bin/partnerbot serve

test:
	python3 -m venv $(VENV) && $(PY) -m pip install -q -e '.[test]' && $(PY) -m pytest

eval:
	$(PY) ../shared/eval/run_eval.py

bench:
	$(PY) bench/router_bench.py && $(PY) bench/directory_bench.py
