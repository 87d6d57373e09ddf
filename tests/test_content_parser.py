"""The lesson parser on good, odd and broken Markdown: a lesson or plain-words problems, never a crash."""
from hypothesis import given, settings, strategies as st

from kiosk.content.lesson import parse_duration, parse_lesson
from kiosk.content.quiz import parse_quiz
from kiosk.content.render import Media, clean_html


def no_media(target):
    return None


def test_front_matter_title_duration_and_steps_are_read():
    lesson, problems = parse_lesson(
        "---\nid: x1\ntitle: Hello\nduration: 1 h 30\nlayout: post\n---\nIntro.\n\n## Step two\nText.\n",
        "c/a.md", no_media, "fallback")
    assert problems == []
    assert (lesson.id, lesson.title, lesson.duration) == ("x1", "Hello", 90)
    assert [s.title for s in lesson.steps] == ["", "Step two"]


def test_title_falls_back_to_the_first_heading_then_the_file_name():
    by_heading, _ = parse_lesson("# The keyboard\n\nKeys.", "a.md", no_media, "fallback")
    by_name, _ = parse_lesson("Just text.", "a.md", no_media, "From the file")
    assert by_heading.title == "The keyboard"
    assert by_name.title == "From the file"


def test_broken_front_matter_is_an_error_with_its_line():
    lesson, problems = parse_lesson("---\ntitle: [unclosed\nother: 1\n---\ntext", "c/bad.md", no_media, "x")
    assert lesson is None
    assert problems[0].is_error and problems[0].path == "c/bad.md" and problems[0].line >= 2


def test_raw_html_is_sanitised():
    lesson, _ = parse_lesson('<script>alert(1)</script><img src=x onerror="alert(2)">\n\n'
                             '<a href="javascript:alert(3)">x</a> <b onclick="x()">bold</b>',
                             "a.md", no_media, "t")
    html = lesson.steps[0].html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "onclick" not in html and "<b>bold</b>" in html


def test_kramdown_attributes_and_liquid_tags_are_dropped():
    lesson, _ = parse_lesson("# T\n{: .lead}\n\nText {% include x.html %} and {{ site.title }}.\n{: #id}\n",
                             "a.md", no_media, "t")
    assert "{:" not in lesson.steps[0].html and "{%" not in lesson.steps[0].html
    assert "site.title" not in lesson.steps[0].html


def test_missing_pictures_and_broken_links_are_warnings_with_lines():
    lesson, problems = parse_lesson("Intro\n\n![A cat](cat.png)\n\n[next](nowhere.md)\n", "a.md", no_media, "t")
    assert lesson is not None
    assert {(p.severity, p.line) for p in problems} == {("warning", 3), ("warning", 5)}
    assert "cat.png" not in lesson.steps[0].html


def test_pictures_from_the_internet_are_refused_because_the_kiosk_is_offline():
    lesson, problems = parse_lesson("![x](https://example.org/a.png)", "a.md", no_media, "t")
    assert "example.org" not in lesson.steps[0].html
    assert "offline" in problems[0].message


def test_video_gets_a_player_with_captions():
    def resolve(target):
        return Media("video", "/media/v.mp4", mime="video/mp4", captions=[("fr", "/media/v.fr.vtt")])
    lesson, _ = parse_lesson("![How to click](v.mp4)", "a.md", resolve, "t")
    html = lesson.steps[0].html
    assert "<video" in html and 'kind="captions"' in html and "<figcaption>How to click</figcaption>" in html


def test_a_heading_inside_a_code_block_does_not_start_a_step():
    lesson, _ = parse_lesson("Intro\n\n```\n## not a step\n```\n\n## Real step\nx", "a.md", no_media, "t")
    assert [s.title for s in lesson.steps] == ["", "Real step"]


def test_an_empty_file_is_reported_and_skipped():
    lesson, problems = parse_lesson("---\ntitle: Empty\n---\n\n", "a.md", no_media, "t")
    assert lesson is None and problems[0].is_error


def test_durations_in_the_shapes_trainers_write():
    assert [parse_duration(v) for v in (10, "10 min", "1h30", "1 h", "45 minutes", "soon", True)] == \
        [10, 10, 90, 60, 45, None, None]


def test_quiz_block_of_every_kind():
    source = ("pass: 80\n? One?\n( ) a\n  > no\n(x) b\n? Many?\n[x] a\n[ ] b\n[x] c\n"
              "? Sky is green.\nfalse\n  >! It is blue.\n? Capital key?\n= Shift\n= Maj\n")
    quiz, problems = parse_quiz(source, "a.md", 10)
    assert problems == []
    assert quiz.pass_mark == 80
    assert [q.kind for q in quiz.questions] == ["single", "multiple", "truefalse", "text"]
    assert quiz.questions[0].choices[0].feedback == "no"
    assert quiz.questions[2].truth is False and quiz.questions[2].wrong_feedback == "It is blue."
    assert quiz.questions[3].answers == ["Shift", "Maj"]
    assert quiz.questions[1].line == 15


def test_quiz_mistakes_name_their_line():
    quiz, problems = parse_quiz("? One right?\n(x) a\n(x) b\n? Mixed\n( ) a\n[x] b\nnonsense\n", "a.md", 1)
    messages = {p.line: p.message for p in problems}
    assert 1 in messages and "exactly one" in messages[1]
    assert 6 in messages and "mixes" in messages[6]
    assert 7 in messages
    assert quiz is None or all(q.text != "One right?" for q in quiz.questions)


def test_sanitiser_keeps_media_tags_and_drops_event_handlers():
    html = clean_html('<video controls onplay="x()"><track kind="captions" src="a.vtt"></video>')
    assert "<video" in html and "<track" in html and "onplay" not in html


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_any_text_gives_a_lesson_or_problems_never_an_exception(text):
    lesson, problems = parse_lesson(text, "fuzz.md", no_media, "Fuzz")
    assert lesson is not None or any(p.is_error for p in problems)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["---", "title: x", "? q", "(x) a", "( ) b", "[x] c", "= t", "true",
                                 "> fb", "```quiz", "```", "## Step", "# T", "![a](b.png)", "{: .x}",
                                 "<script>x</script>", "", "text"]), max_size=30))
def test_any_mix_of_syntax_lines_never_raises(lines):
    lesson, problems = parse_lesson("\n".join(lines), "fuzz.md", no_media, "Fuzz")
    if lesson is not None:
        assert all("<script" not in s.html for s in lesson.steps)
