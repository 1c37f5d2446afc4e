# Karma's everyday commands. Only python3.11 and make are needed beforehand.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench bench-apart worker clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The embedded default: SQLite, mail to the console and var/mail/ (readable
# by admins at /dev/mail/), tasks in-process, plain HTTP on 127.0.0.1.
run: export HTTPS = false
run: export KARMA_DEV_MAILBOX = true
run: $(STAMP)
	$(BIN)/karma migrate --noinput
	$(BIN)/karma load-demo
	$(BIN)/karma runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks print figures against a raw-database baseline; they never fail
# on speed. Set DATABASE_URL to a scratch PostgreSQL database to run there.
# `bench` seeds a large site once (BENCH_LEARNERS, default 100000; kept in
# var/bench/scale.sqlite3 or the DATABASE_URL database), runs every scale
# benchmark against it, prints one table and writes var/bench/results.json.
bench: $(STAMP)
	$(BIN)/python bench/run.py

# The benchmarks that build a small scratch database of their own instead
# (they empty DATABASE_URL first: never point them at the scale database).
bench-apart: $(STAMP)
	$(BIN)/python bench/bulk_enrollment.py
	$(BIN)/python bench/progress_reports.py

worker: $(STAMP)
	$(BIN)/celery -A karma.config worker --loglevel=info

clean:
	rm -rf $(VENV) var
