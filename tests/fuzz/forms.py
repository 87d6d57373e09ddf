"""The forms and links an app really serves, read from its pages: the seeds the fuzzer mutates.

Starting from a real form (its field names and the values it offers: a quiz's choices, a learner's
id) reaches the code behind validation; starting from nothing mostly reaches "missing field".
"""
from __future__ import annotations

import inspect
import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

READS = re.compile(r"""request\.(?:args|form|values|files)\.(?:get|getlist)\(\s*["']([^"']+)["']""")


class _Page(HTMLParser):
    def __init__(self, here: str):
        super().__init__(convert_charrefs=True)
        self.here, self.forms, self.links, self._form = here, [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action") or self.here, "method": (attrs.get("method") or "get").upper(),
                          "fields": defaultdict(list), "files": set()}
            self.forms.append(self._form)
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif self._form is not None and tag in ("input", "button", "select", "textarea", "option"):
            if tag == "option":
                if self._select:
                    self._form["fields"][self._select].append(attrs.get("value") or "")
                return
            name = attrs.get("name")
            if not name:
                return
            if tag == "select":
                self._select = name
            if attrs.get("type") == "file":
                self._form["files"].add(name)
            self._form["fields"][name].append(attrs.get("value") or "")

    _select = None

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


class Catalogue:
    """Per endpoint: the form fields its forms send and their values; per query name: values seen in links."""

    def __init__(self, app):
        self.adapter = app.url_map.bind("localhost")
        self.fields: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.files: dict[str, set[str]] = defaultdict(set)
        self.query: dict[str, set[str]] = defaultdict(set)
        self.seen_by: dict[str | None, set[str]] = defaultdict(set)     # endpoint → who was shown it or its form
        # What each view reads from the request, found in its source: a field no form offers yet is sent too.
        self.reads: dict[str, list[str]] = {endpoint: sorted(set(READS.findall(_source(view))))
                                            for endpoint, view in app.view_functions.items()}

    def read(self, here: str, html: str, identity: str | None = None) -> None:
        """Note the forms and links of a page that `identity` was shown."""
        page = _Page(here)
        page.feed(html)
        if identity is not None:
            self.seen_by[self._endpoint(here, "GET")].add(identity)
        for form in page.forms:
            endpoint = self._endpoint(form["action"], form["method"])
            if endpoint is None:
                continue
            if identity is not None:
                self.seen_by[endpoint].add(identity)
            for name, values in form["fields"].items():
                self.fields[endpoint][name].update(values)
            self.files[endpoint].update(form["files"])
        for link in page.links:
            for name, value in parse_qsl(urlsplit(link).query, keep_blank_values=True):
                self.query[name].add(value)

    def _endpoint(self, action: str, method: str) -> str | None:
        try:
            endpoint, _ = self.adapter.match(urlsplit(action).path, method=method)
        except Exception:          # a form pointing outside the app, or at a method it does not take
            return None
        return endpoint


def _source(view) -> str:
    try:
        return inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):       # a view made at run time (Flask's static files) has no source to read
        return ""
