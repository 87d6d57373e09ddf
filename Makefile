# Relais: `make run` serves the demo courses on port 8080; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
LOCALES := locales
MO := $(patsubst %.po,%.mo,$(wildcard $(LOCALES)/*/LC_MESSAGES/messages.po))

.PHONY: run test bench translations extract-messages update-messages check-content clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

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

test: $(TEST_STAMP) translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(TEST_STAMP) translations
	$(BIN)/python -m bench

check-content: $(STAMP)
	$(BIN)/python run.py check-content content

# Translators: extract the strings, merge them into each catalogue, then compile.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k lazy_gettext -o $(LOCALES)/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update --no-fuzzy-matching -i $(LOCALES)/messages.pot -d $(LOCALES)

clean:
	rm -rf $(VENV) data .pytest_cache
