"""A trainer's existing lessons, in the Markdown dialects they bring, render as boxes, code and quizzes.

Each folder of tests/fixtures/dialects is one dialect, written for these tests; it is indexed into a
real SQLite catalogue and its HTML is read back as a learner's page would show it.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.content.labels import label
from kiosk.content.lesson import parse_lesson
from kiosk.content.render import Media
from kiosk.content.svgsize import svg_size
from kiosk.db import database, open_database
from kiosk.indexing import index_content
from kiosk.models import Course, LessonVersion
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "dialects"
LITERAL = re.compile(r"^\s*(?::::|```|~~~|!!!|\?\?\?|\{:|\{%|\{\{|/{3,})|\[!NOTE\]|\{note\}|\{tip\}", re.MULTILINE)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """The dialect folders indexed once: (report, {folder: [(title, steps html list, quiz)]}, courses)."""
    tmp = tmp_path_factory.mktemp("dialects")
    content = tmp / "content"
    shutil.copytree(FIXTURES, content)
    open_database(tmp / "db.sqlite3")
    with database.connection_context():
        report = index_content(content, tmp, "fr")
        lessons = {}
        for version in LessonVersion.select():
            folder = version.source.split("/")[1]
            lessons.setdefault(folder, []).append(version)
        courses = {c.folder: c for c in Course.select()}
    yield report, lessons, courses
    database.close()


def steps_of(catalogue, folder, lesson=0):
    version = sorted(catalogue[1][folder], key=lambda v: v.source)[lesson]
    return [s["html"] for s in version.steps], version


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def problems_of(catalogue, folder):
    return [p for p in catalogue[0].problems if f"/{folder}/" in p.path or p.path.endswith(f"/{folder}")]


@pytest.mark.parametrize("folder", ["pandoc-divs", "myst-directives", "mkdocs-admonitions", "github-alerts",
                                    "kramdown-jekyll", "multimarkdown-header", "gift-fences", "code-heavy"])
def test_no_dialect_leaves_its_fences_or_directives_as_literal_text(catalogue, folder):
    steps, _ = steps_of(catalogue, folder)
    leftovers = [line for html in steps for line in LITERAL.findall(text_of(html))]
    assert leftovers == []


def test_pandoc_divs_become_boxes_that_headings_inside_them_never_split(catalogue):
    steps, version = steps_of(catalogue, "pandoc-divs")
    assert [s["title"] for s in version.steps] == ["", "Listing a folder", "Going into a folder"]
    listing = steps[1]
    exercise = re.search(r'<div class="admonition exercise" role="note">.*?</details>\s*</div>', listing, re.DOTALL)
    assert exercise, listing
    assert '<p class="admonition-title">What the slash means</p>' in exercise.group(0)
    assert '<details class="solution">\n<summary>Answer</summary>' in exercise.group(0)
    assert '<div class="admonition tip" role="note">\n<p class="admonition-title">Press Tab</p>' in listing
    assert "Text inside a layout block." in steps[2] and "Text inside a block nobody knows." in steps[2]


def test_instructor_notes_never_reach_a_learner(catalogue):
    for folder in ("pandoc-divs", "mkdocs-admonitions"):
        steps, version = steps_of(catalogue, folder)
        assert not any("SECRET-FOR-TRAINERS" in h or "TRAINERS-ONLY" in h for h in steps)
    with database.connection_context():
        assert "SECRET-FOR-TRAINERS" not in str(list(database.execute_sql("SELECT body FROM lesson_search")))


def test_myst_directives_map_onto_the_same_boxes(catalogue):
    steps, version = steps_of(catalogue, "myst-directives")
    assert version.title == "Notes and tips in MyST"
    assert [s["title"] for s in version.steps] == ["First steps", "Second step"]
    first = steps[0]
    assert 'id="first-steps"' in first
    assert '<div class="admonition note" role="note">\n<p class="admonition-title">Note</p>' in first
    assert '<div class="admonition tip"' in first
    assert '<div class="admonition warning" role="note">\n<p class="admonition-title">Read this first</p>' in first
    assert '<p class="admonition-title">Count the files</p>' in first
    assert "A heading inside the exercise" in first                # four backticks: the box holds it
    assert '<details class="solution">\n<summary>Solution</summary>' in first
    assert "Text of an unknown directive." in first
    assert 'href="?step=0#first-steps"' in steps[1]                # a link to a heading in another step


def test_mkdocs_admonitions_fold_when_written_with_question_marks(catalogue):
    steps, version = steps_of(catalogue, "mkdocs-admonitions")
    assert [s["title"] for s in version.steps] == ["Remember"]
    html = steps[0]
    assert '<p class="admonition-title">Before you start</p>' in html and "Not a new step" in html
    assert '<details class="tip">\n<summary>A hidden tip</summary>' in html
    assert '<details class="warning" open="">' in html
    assert re.search(r"<li>.*?<figure class=\"code source\">.*?inside a list", html, re.DOTALL)


def test_github_alerts_are_boxes_and_plain_quotes_stay_quotes(catalogue):
    steps, _ = steps_of(catalogue, "github-alerts")
    html = steps[0]
    assert html.count('class="admonition note"') == 1 and html.count('class="admonition tip"') == 1
    assert html.count('class="admonition warning"') == 2
    assert '<figure class="code source"><figcaption id="code-1">Bash</figcaption>' in html
    assert "<blockquote>" in html


def test_kramdown_quotes_become_boxes_and_liquid_is_removed_with_a_warning(catalogue):
    steps, version = steps_of(catalogue, "kramdown-jekyll")
    html = "".join(steps)
    assert '<p class="admonition-title">Count the files</p>' in html
    assert '<details class="solution">' in html
    assert "<figcaption" in html and ">Bash</figcaption>" in html and ">Output</figcaption>" in html
    assert "{: .kept-in-code}" in text_of(html)                    # attributes inside code are code
    assert ">Python</figcaption>" in html and "site.title" not in html
    lines = {p.line for p in problems_of(catalogue, "kramdown-jekyll") if "template tag" in p.message}
    assert lines == {6, 34, 37}
    assert re.search(r'<figcaption id="(code-\d+)">Code</figcaption><pre aria-labelledby="\1" role="group" '
                     r'tabindex="0"><code>for thing in', html)          # an indented block: labelled too
    assert re.search(r'<div class="col-md-6">\s*<div class="admonition note" role="note">\s*'
                     r'<p class="admonition-title">A callout in a column</p>', html)     # inside the site's HTML


def test_a_multimarkdown_header_is_metadata_not_a_paragraph(catalogue):
    steps, version = steps_of(catalogue, "multimarkdown-header")
    assert version.title == "Keeping notes" and version.tags == ["notes", "writing"]
    assert "Author" not in steps[0] and "Remember: a header" in steps[0]


def test_gift_in_fenced_blocks_becomes_a_quiz_and_a_broken_block_is_a_warning(catalogue):
    steps, version = steps_of(catalogue, "gift-fences")
    assert [q["text"] for q in version.quiz["questions"]] == [
        "Which command lists the files of a folder?", "The command cd changes the folder."]
    assert "=ls" not in "".join(steps) and "{T}" not in "".join(steps)     # answers are not shown
    warnings = [p for p in problems_of(catalogue, "gift-fences")]
    assert warnings and all(not p.is_error for p in warnings)
    assert {p.line for p in warnings} >= {15, 16}


def test_a_folder_without_course_yml_takes_its_title_and_language_from_its_text(catalogue):
    course = catalogue[2]["securite-numerique"]
    assert course.texts["fr"]["title"] == "Sécurité numérique"
    assert course.language == "fr"
    said = [p.message for p in problems_of(catalogue, "securite-numerique")]
    assert any("read as 'fr'" in m for m in said)


def test_code_blocks_are_labelled_focusable_and_coloured_once(catalogue):
    steps, _ = steps_of(catalogue, "code-heavy")
    html = "".join(steps)
    blocks = re.findall(r'<figure class="code (\w+)"><figcaption id="(code-\d+)">([^<]+)</figcaption>'
                        r'<pre tabindex="0" role="group" aria-labelledby="(code-\d+)">', html)
    assert len(blocks) == 7
    assert all(label == named for _, label, _, named in blocks)
    assert {caption for _, _, caption, _ in blocks} == {"Bash", "Output", "Python"}
    assert '<span class="kn">import</span>' in html                # Pygments classes, no script


def test_svg_sized_in_millimetres_is_drawn_at_its_real_size_with_its_caption(catalogue, tmp_path):
    steps, _ = steps_of(catalogue, "svg-figures")
    assert 'width="208"' in steps[0] and 'height="110"' in steps[0]         # 55 × 29 mm
    assert '<figure class="picture"><img' in steps[0]
    assert "<figcaption>A folder drawn as a box</figcaption>" in steps[0]
    picture = tmp_path / "p.svg"
    for head, size in (('width="2in" height="1in"', (192, 96)), ('width="72pt" viewBox="0 0 2 1"', (96, 48)),
                       ('viewBox="0 0 300 150"', (300, 150)), ('width="50%" height="10cm"', None)):
        picture.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" {head}></svg>')
        assert svg_size(picture) == size


def test_check_content_reports_what_it_did_not_understand_and_strict_fails_on_it(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURES, content)
    run = [sys.executable, "run.py", "check-content", str(content)]
    relaxed = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120)
    strict = subprocess.run(run + ["--strict"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert relaxed.returncode == 0 and strict.returncode == 1
    out = relaxed.stdout
    assert re.search(r"pandoc-divs/01-moving-around\.md:57: warning: the block '::: mystery'", out)
    assert re.search(r"pandoc-divs/01-moving-around\.md:61: warning: this ':::' closes no block", out)
    assert re.search(r"myst-directives/01-notes\.md:37: warning: the directive '\{mystery-directive\}'", out)
    assert re.search(r"gift-fences/01-quiz\.md:16: warning:", out)
    assert "securite-numerique: warning: no language is declared" in out


def test_a_box_that_is_never_closed_is_closed_at_the_end_and_reported():
    lesson, problems = parse_lesson("# T\n\n::: challenge\n## Inside\ntext\n\n## Still inside\n", "a.md",
                                    lambda target: None, "t")
    assert len(lesson.steps) == 1 and "Still inside" in lesson.steps[0].html
    assert [p.line for p in problems] == [3]


def test_a_plain_code_block_that_only_looks_like_gift_stays_code():
    lesson, _ = parse_lesson("Text\n\n```\nfunction f() { x = 1 }\n```\n", "a.md", lambda t: None, "t")
    assert lesson.quiz is None and "function f()" in lesson.steps[0].html


def test_links_to_another_lesson_keep_their_heading():
    def resolve(target):
        return Media("lesson", "/courses/c/other") if target.startswith("other.md") else None
    lesson, _ = parse_lesson("See [there](other.md#a-part).", "a.md", resolve, "t")
    assert 'href="/courses/c/other#a-part"' in lesson.steps[0].html


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    ":::", "::: challenge", ":::: solution", "::: {.callout-tip}", "```{note}", "````{exercise} T", "```",
    "````", "~~~", ":::{tip}", "!!! note", "??? tip", "    indented", "> [!NOTE]", "> text", "{: .challenge}",
    "{: .output}", "{% include x %}", "{{ site.x }}", "(label)=", "## Step", "# T", "Title: x", "```gift",
    "::Q:: a {=b ~c}", "```quiz", "? q", "(x) a", "( ) b", "", "text {ref}`x <y>`", "1. item",
    "    ```bash", "    ls", "    ```"]), max_size=40))
def test_any_mix_of_dialect_lines_gives_a_lesson_or_problems_never_an_exception(lines):
    lesson, problems = parse_lesson("\n".join(lines), "fuzz.md", lambda target: None, "Fuzz")
    assert lesson is not None or any(p.is_error for p in problems)
    if lesson is not None:
        assert all(p.line >= 0 for p in problems)


def test_a_picture_alone_takes_its_caption_from_its_title_or_the_caption_paragraph_after_it(catalogue):
    steps, _ = steps_of(catalogue, "figures-captions")
    html = steps[0]
    captions = re.findall(r'<figure class="picture"><img alt="([^"]+)"[^>]*><figcaption>(.*?)</figcaption>', html)
    assert [(alt, text_of(caption)) for alt, caption in captions] == [
        ("A screen on a stand", "A screen, from its title"),
        ("A screen seen from the front", "Figure 2: a screen, from the paragraph after it."),
        ("A screen seen from the side", "A screen, from an all-italic paragraph with a link."),
        ("A screen seen from above", "Source: the community centre's own drawing.")]
    assert '<a href="#captions"' in html and "<em>" not in html             # the italics were the caption
    assert "<p>Figures show what the words say" in html                     # ordinary text stays text
    assert re.search(r"<p>A picture <img [^>]*> inside a sentence", html)
    arabic, _ = parse_lesson("![شاشة](s.png)\n\nالشكل ٢: شاشة الحاسوب\n", "a.md", lambda t: Media("image", "/s.png"), "t")
    assert "<figcaption>الشكل ٢: شاشة الحاسوب</figcaption>" in arabic.steps[0].html


def test_every_table_sits_in_a_labelled_focusable_region_that_scrolls_on_its_own(catalogue):
    steps, _ = steps_of(catalogue, "figures-captions")
    regions = re.findall(r'<div aria-label="([^"]+)" class="table-scroll" role="region" tabindex="0"><table>',
                         steps[1])
    assert regions == ["Table 1", "Table 2"] and steps[1].count("<table>") == 2
    french, _ = parse_lesson("---\nlanguage: fr\n---\n| a | b |\n|---|---|\n| 1 | 2 |\n", "a.md",
                             lambda target: None, "t")
    assert f'aria-label="{label("table", "fr")} 1"' in french.steps[0].html     # "Tableau 1" once merged


def test_myst_figure_directives_become_figures_with_their_markdown_caption(catalogue):
    steps, _ = steps_of(catalogue, "figures-captions", lesson=1)
    html = steps[0]
    assert re.findall(r'<figure class="picture"><img alt="([^"]+)"[^>]*><figcaption>(.*?)</figcaption>', html) == [
        ("A screen drawn as a box", "The screen, with <strong>its</strong> stand."),
        ("A screen seen from the front", "A caption in <strong>Markdown</strong>, under the picture.")]
    assert "figure-md" not in html and ":alt:" not in html


def test_a_missing_picture_is_reported_where_it_is_used_not_where_a_code_example_shows_it(catalogue):
    lines = [p.line for p in problems_of(catalogue, "figures-captions") if "missing-fish.png" in p.message]
    assert lines == [24]
