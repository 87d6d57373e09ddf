# Relais: `make run` serves the demo courses on port 8080; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
LOCALES := locales
MO := $(patsubst %.po,%.mo,$(wildcard $(LOCALES)/*/LC_MESSAGES/messages.po))

.PHONY: run test bench system-venv translations extract-messages update-messages check-content clean pi-check

$(BIN)/python:
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || $(MAKE) --no-print-directory system-venv
	$(PYTHON) -m venv $(VENV)

# Debian and Raspberry Pi OS ship python3 without the venv module's pip: install it once.
system-venv:
	@echo "Installing python3-venv (Debian's package for Python virtual environments)..."
	@if [ "$$(id -u)" = 0 ]; then apt-get install -y python3-venv; else sudo apt-get install -y python3-venv; fi

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d $(LOCALES) -l $(notdir $(patsubst %/LC_MESSAGES/messages.po,%,$<)) -i $< -o $@ >/dev/null

translations: $(MO)

run: $(STAMP) translations
	$(BIN)/python run.py serve --port $${PORT:-8080}

# The suite runs on every core (pytest-xdist), a test file per worker so that a module's server and browser
# start once; each worker gets its own PostgreSQL database (tests/conftest.py). PYTEST_WORKERS=0 runs it in one.
PYTEST_WORKERS ?= auto
test: $(TEST_STAMP) translations
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=30 $(PYTEST_ARGS)

bench: $(TEST_STAMP) translations
	$(BIN)/python -m bench

check-content: $(STAMP)
	$(BIN)/python run.py check-content content

# Translators: extract the strings, merge them into each catalogue, then compile.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k lazy_gettext -o $(LOCALES)/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update --no-fuzzy-matching -i $(LOCALES)/messages.pot -d $(LOCALES)

# Not in CI (many minutes): `make run` in an emulated arm64 Debian, as on a fresh Raspberry Pi OS. Needs root.
pi-check:
	@[ "$$(id -u)" = 0 ] || { echo "make pi-check needs root (debootstrap, chroot, mounts): sudo make pi-check"; exit 1; }
	bash deploy/pi-check.sh

clean:
	rm -rf $(VENV) data .pytest_cache
