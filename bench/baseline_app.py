"""The ceiling for Python: a bare Flask app on waitress returning a cached 15 KB page."""
import sys

from flask import Flask
from waitress import serve

PAGE = ("<!doctype html><html lang=en><title>baseline</title><main>"
        + "<p>Relais baseline paragraph of plain text for the benchmark.</p>" * 240 + "</main></html>")[:15360].encode()

app = Flask(__name__)


@app.get("/")
def page():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}


if __name__ == "__main__":
    serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=6, _quiet=True)
