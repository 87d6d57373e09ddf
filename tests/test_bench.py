"""The bench's own arithmetic and writing, without running a benchmark: its rows say what they measured."""
import json
from pathlib import Path

from bench import browser_log
from bench.memory_bench import _by_distribution
from bench.report import END, START, load_cell, ratio_cell, shares, spread, table, write_table

RECORDED = Path(__file__).parent / "fixtures" / "bench" / "browser-log.json"


def run(rps, p99=10.0, errors=0):
    return {"rps": rps, "p50": p99 / 2, "p99": p99, "errors": errors, "requests": int(rps)}


def test_a_figure_gives_its_median_and_the_spread_of_its_runs():
    assert spread([3.0, 1.0, 2.0], unit=" MB") == "2.0 MB (3 runs: 1.0–3.0)"
    assert spread([0.5], ".2f", " s") == "0.50 s (1 run)"
    assert spread([]) == "not measured: no run"


def test_a_load_row_gives_medians_spreads_errors_and_its_share_of_the_ceiling_in_the_same_run():
    runs = [run(500, 20), run(450, 30, errors=2), run(520, 25)]
    assert load_cell(runs) == "500 req/s (450–520), p50 12.5 ms, p99 25.0 ms (20.0–30.0), 2 errors"
    assert ratio_cell(runs, [run(1000), run(1100), run(900)], "the ceiling") == "50.0 % of the ceiling"


def test_library_shares_are_listed_largest_first_and_the_rest_summed():
    assert shares({"a": 2**20, "b": 3 * 2**20, "c": 2**19}, limit=2) == "b 3.0 MB, a 1.0 MB, 1 others 0.5 MB"


def test_the_table_escapes_bars_and_keeps_the_notes_written_around_it(tmp_path):
    text = table([("figure | one", "1 MB", "—")], ["Machine: test", "", "load average 0.10"])
    assert "| figure \\| one | 1 MB | — |" in text and text.startswith("Machine: test")
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nbefore\n\n{START}\nold table\n{END}\n\nnotes after\n")
    write_table(doc, text)
    written = doc.read_text()
    assert "old table" not in written and "before" in written and "notes after" in written
    assert written.count(START) == written.count(END) == 1


def test_the_browser_log_counts_every_request_with_its_headers_redirects_and_media():
    lesson, results = browser_log.pages(json.loads(RECORDED.read_text()))
    assert lesson.name == "lesson, second step"
    assert [r.kind for r in lesson.requests] == ["Document", "Stylesheet", "Script", "Other", "Image"]
    assert [r.url.split("?")[0].rsplit("/", 1)[1] for r in lesson.media] == ["mouse.svg"]
    assert lesson.bytes == sum(r.bytes for r in lesson.requests) > 0
    stylesheet = lesson.requests[1]
    assert stylesheet.encoding == "gzip" and stylesheet.bytes == 5042        # 4,498 B body + 544 B headers
    assert results.requests[0].status == 302 and results.requests[0].bytes > 0   # the POST's redirect is counted
    assert results.requests[1].url.split("/")[3] == "attempts" and len(results.requests) == 5
    assert "14.9 KB in 5 requests (media: 1 requests, 1.0 KB)" in browser_log.describe(lesson)


def test_data_urls_and_unnamed_stretches_of_the_log_are_not_counted():
    events = [{"method": "bench.page", "params": {"name": "p"}},
              {"method": "Network.requestWillBeSent", "params": {"requestId": "1", "type": "Image",
                                                                 "request": {"url": "data:image/png;base64,AA"}}},
              {"method": "Network.requestWillBeSent", "params": {"requestId": "2", "type": "Document",
                                                                 "request": {"url": "http://k/"}}},
              {"method": "Network.loadingFailed", "params": {"requestId": "2", "errorText": "net::ERR_ABORTED"}},
              {"method": "bench.page", "params": {"name": ""}},
              {"method": "Network.requestWillBeSent", "params": {"requestId": "3", "type": "Document",
                                                                 "request": {"url": "http://k/logout"}}}]
    [page] = browser_log.pages(events)
    assert [(r.url, r.failed) for r in page.requests] == [("http://k/", "net::ERR_ABORTED")]
    assert "1 failed" in browser_log.describe(page)


def test_modules_are_grouped_by_the_library_that_installed_them_and_ours_left_out():
    groups = _by_distribution(["json", "flask", "flask.app", "werkzeug.routing", "kiosk.app", "sync.base"])
    assert groups["stdlib"] == ["json"]
    assert groups["Flask"] == ["flask", "flask.app"] and groups["Werkzeug"] == ["werkzeug.routing"]
    assert not any(m.startswith(("kiosk", "sync")) for mods in groups.values() for m in mods)
