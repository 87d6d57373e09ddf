"""A trainer imports a Moodle GIFT question bank and the kiosk turns it into a lesson's quiz."""
from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, strategies as st

from kiosk.content.gift import parse_gift
from kiosk.content.problems import ERROR, WARNING, Problem
from kiosk.content.quizmodel import DEFAULT_PASS_MARK, MULTIPLE, SINGLE, TEXT, TRUEFALSE, Choice, Quiz


def gift(source: str) -> tuple[Quiz | None, list[Problem]]:
    return parse_gift(textwrap.dedent(source).lstrip("\n"), "course/01-the-mouse.gift")


def only_question(source: str):
    quiz, problems = gift(source)
    assert problems == []
    assert len(quiz.questions) == 1
    return quiz.questions[0]


# Question kinds

def test_a_right_answer_among_wrong_ones_is_a_single_choice_in_the_written_order():
    q = only_question("Which button opens a link? {~The right one =The left one ~The wheel}")
    assert q.kind == SINGLE
    assert q.text == "Which button opens a link?"
    assert q.choices == [Choice("The right one", False), Choice("The left one", True),
                         Choice("The wheel", False)]


def test_answers_may_be_written_one_per_line():
    q = only_question("""
        Which button opens a link? {
          =The left one
          ~The right one
        }
        """)
    assert [c.text for c in q.choices] == ["The left one", "The right one"]


def test_weights_make_a_multiple_choice_where_only_positive_weights_are_right():
    q = only_question("Which are animals? {~%50%A cat ~%50%A dog ~%-100%A chair ~%0%A table}")
    assert q.kind == MULTIPLE
    assert [c.correct for c in q.choices] == [True, True, False, False]
    assert [c.text for c in q.choices] == ["A cat", "A dog", "A chair", "A table"]


def test_several_equals_signs_among_wrong_answers_make_a_multiple_choice():
    q = only_question("Which are fruit? {=Apple =Pear ~Carrot}")
    assert q.kind == MULTIPLE
    assert [c.correct for c in q.choices] == [True, True, False]


def test_one_positive_weight_is_still_a_single_choice():
    q = only_question("Pick one. {~%100%Right ~%-50%Wrong ~Also wrong}")
    assert q.kind == SINGLE
    assert [c.correct for c in q.choices] == [True, False, False]


def test_a_decimal_weight_counts_as_right():
    q = only_question("Which? {~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert [c.correct for c in q.choices] == [True, True, True, False]


@pytest.mark.parametrize("answer, truth", [("T", True), ("TRUE", True), ("true", True), ("t", True),
                                           ("F", False), ("FALSE", False), ("False", False), ("f", False)])
def test_true_and_false_are_written_in_any_case(answer, truth):
    q = only_question(f"The internet needs a cable. {{{answer}}}")
    assert q.kind == TRUEFALSE
    assert q.truth is truth


def test_equals_signs_alone_make_a_short_answer_with_every_accepted_spelling():
    q = only_question("Which key writes a capital letter? {=Shift =Maj =Majuscule}")
    assert q.kind == TEXT
    assert q.answers == ["Shift", "Maj", "Majuscule"]
    assert q.choices == []


def test_a_single_equals_answer_is_a_short_answer():
    q = only_question("Two plus two? {=4}")
    assert q.kind == TEXT
    assert q.answers == ["4"]


def test_a_short_answer_with_zero_weight_is_not_accepted():
    q = only_question("Capital of France? {=Paris =%0%Lyon =%50%paris}")
    assert q.answers == ["Paris", "paris"]


# Feedback

def test_feedback_after_a_choice_belongs_to_that_choice():
    q = only_question("Which button? {=Left#Yes, the left one. ~Right#That one opens a menu.}")
    assert q.choices[0].feedback == "Yes, the left one."
    assert q.choices[1].feedback == "That one opens a menu."
    assert q.feedback == ""


def test_four_hashes_give_general_feedback_shown_whatever_the_answer():
    q = only_question("Which button? {=Left ~Right ####Most links open with the left button.}")
    assert q.feedback == "Most links open with the left button."
    assert [c.feedback for c in q.choices] == ["", ""]


def test_true_false_first_feedback_is_for_a_wrong_answer_and_second_for_a_right_one():
    q = only_question("A mouse has a wheel. {T#Look again: most mice have one.#Yes, to scroll.}")
    assert q.truth is True
    assert q.wrong_feedback == "Look again: most mice have one."
    assert q.feedback == "Yes, to scroll."


def test_true_false_with_only_wrong_feedback_and_general_feedback():
    q = only_question("Wi-Fi needs a cable. {FALSE#No: Wi-Fi works without a cable.####Wi-Fi is radio.}")
    assert q.truth is False
    assert q.wrong_feedback == "No: Wi-Fi works without a cable."
    assert q.feedback == "Wi-Fi is radio."


def test_a_short_answer_keeps_the_first_feedback_given():
    q = only_question("Which key? {=Shift =Maj#Maj is the French name.=Caps#Caps works too.}")
    assert q.answers == ["Shift", "Maj", "Caps"]
    assert q.feedback == "Maj is the French name."


def test_a_short_answer_joins_answer_feedback_and_general_feedback():
    q = only_question("Which key? {=Shift#Right.####It shows an arrow.}")
    assert q.feedback == "Right. It shows an arrow."


# Text: titles, formats, blanks, escapes

def test_a_title_is_not_shown_to_learners():
    q = only_question("::Q1 - Mouse::Which button opens a link? {=Left ~Right}")
    assert q.text == "Which button opens a link?"


def test_a_title_may_sit_on_its_own_line():
    q = only_question("""
        ::The wheel::
        What does the wheel do? {=It scrolls ~It prints}
        """)
    assert q.text == "What does the wheel do?"


def test_html_questions_become_plain_text():
    q = only_question("[html]<p>Is <b>this</b> &amp; <i>that</i> the same?</p>{=<b>Yes</b> ~No}")
    assert q.text == "Is this & that the same?"
    assert q.choices[0].text == "Yes"


def test_html_text_keeps_script_and_angle_brackets_as_harmless_text():
    q = only_question("[html]Is 2 &lt; 3?<script>alert(1)</script> {T}")
    assert q.text == "Is 2 < 3?"


@pytest.mark.parametrize("prefix", ["[markdown]", "[plain]", "[moodle]", "[PLAIN]"])
def test_other_format_prefixes_are_removed_and_the_text_kept(prefix):
    q = only_question(f"::T::{prefix}Is *this* <kept>? {{T}}")
    assert q.text == "Is *this* <kept>?"


def test_answers_in_the_middle_of_the_text_leave_a_blank():
    q = only_question("The {=left ~right} button opens a link.")
    assert q.text == "The _____ button opens a link."
    assert q.kind == SINGLE


def test_a_blank_at_the_very_start_of_a_sentence():
    q = only_question("{=Paris ~Lyon} is the capital of France.")
    assert q.text == "_____ is the capital of France."


def test_answers_at_the_end_leave_no_blank():
    q = only_question("The capital of France is {=Paris ~Lyon}")
    assert q.text == "The capital of France is"


def test_escaped_signs_are_plain_text_in_questions_and_answers():
    q = only_question(r"Which is \{braces\} \= \~ \# \: \\? {=a \= b#c \# d ~x \~ y ~z\}}")
    assert q.text == r"Which is {braces} = ~ # : \?"
    assert q.choices[0] == Choice("a = b", True, "c # d")
    assert [c.text for c in q.choices[1:]] == ["x ~ y", "z}"]


def test_an_escaped_colon_lets_a_question_start_with_colons():
    q = only_question(r"\:\: is not a title here. {T}")
    assert q.text == ":: is not a title here."


def test_backslash_n_is_a_line_break():
    q = only_question(r"First line\nsecond line {T}")
    assert q.text == "First line\nsecond line"


# File layout: blank lines, comments, pass mark, line numbers

def test_questions_are_separated_by_blank_lines_and_remember_their_first_line():
    quiz, problems = gift("""
        // Quiz about the mouse

        First question? {T}


        Second question
        // a comment inside a question is left out
        on two lines? {=yes ~no}
        """)
    assert problems == []
    assert [q.line for q in quiz.questions] == [3, 6]
    assert quiz.questions[1].text == "Second question\non two lines?"


def test_indented_lines_are_trimmed():
    q = only_question("Which button\n    opens a link?\n    {=Left\n     ~Right}")
    assert q.text == "Which button\nopens a link?"


def test_a_question_line_skips_the_comments_above_it():
    quiz, _ = gift("""
        // question: 12  name: first
        // another comment
        ::first::Hello? {T}
        """)
    assert quiz.questions[0].line == 3


def test_a_pass_comment_sets_the_pass_mark():
    quiz, problems = gift("""
        // pass: 85
        Hello? {T}
        """)
    assert problems == []
    assert quiz.pass_mark == 85


@pytest.mark.parametrize("comment", ["//pass:60", "// Pass : 60 %", "  //  PASS: 60"])
def test_the_pass_comment_is_forgiving_about_spaces_case_and_percent(comment):
    quiz, problems = gift(f"{comment}\nHello? {{T}}\n")
    assert (quiz.pass_mark, problems) == (60, [])


def test_without_a_pass_comment_the_default_pass_mark_applies():
    quiz, _ = gift("Hello? {T}")
    assert quiz.pass_mark == DEFAULT_PASS_MARK


@pytest.mark.parametrize("value", ["150", "-5", "seventy", "7.5", ""])
def test_an_impossible_pass_mark_is_a_warning_and_the_default_is_used(value):
    quiz, problems = gift(f"Hello? {{T}}\n\n// pass: {value}\n")
    assert quiz.pass_mark == DEFAULT_PASS_MARK
    assert [(p.line, p.severity) for p in problems] == [(3, WARNING)]
    assert "0 to 100" in problems[0].message


def test_moodle_category_lines_are_ignored():
    quiz, problems = gift("""
        $CATEGORY: $course$/top/Mouse

        Hello? {T}
        """)
    assert problems == []
    assert len(quiz.questions) == 1


def test_windows_line_endings_and_a_byte_order_mark_are_read():
    quiz, problems = parse_gift("\ufeff// pass: 50\r\n\r\nHello? {T}\r\n\r\nBye? {F}\r\n", "q.gift")
    assert problems == []
    assert quiz.pass_mark == 50
    assert [(q.text, q.line) for q in quiz.questions] == [("Hello?", 3), ("Bye?", 5)]


def test_an_empty_file_gives_no_quiz_and_no_problem():
    assert gift("") == (None, [])
    assert gift("// only a comment\n\n\n") == (None, [])


def test_the_quiz_survives_the_trip_to_the_catalogue_and_back():
    quiz, _ = gift("""
        A? {=a#yes ~b#no ####general}

        B? {T#wrong#right}

        C? {=c =see}
        """)
    assert Quiz.from_dict(quiz.to_dict()) == quiz


# Mistakes a trainer can make

def test_a_missing_closing_brace_is_an_error_at_that_question_and_the_others_are_kept():
    quiz, problems = gift("""
        Good one? {T}

        Broken one?
        {=yes ~no

        Another good one? {F}
        """)
    assert [q.text for q in quiz.questions] == ["Good one?", "Another good one?"]
    assert [(p.line, p.severity) for p in problems] == [(3, ERROR)]
    assert "closing '}'" in problems[0].message
    assert problems[0].path == "course/01-the-mouse.gift"


def test_a_choice_question_without_a_right_answer_is_an_error():
    quiz, problems = gift("""
        Fine? {T}

        // nobody is right here
        Who is right? {~me ~you ~%-50%them}
        """)
    assert len(quiz.questions) == 1
    assert [(p.line, p.severity) for p in problems] == [(4, ERROR)]
    assert "no right answer" in problems[0].message


@pytest.mark.parametrize("source, words", [
    ("A closing brace } comes first {T}", "without an opening '{'"),
    ("Two blocks {=a ~b} and {=c ~d}", "more than one pair of braces"),
    ("::Unfinished title Hello? {T}", "no closing '::'"),
    ("Empty answer? {=a ~ ~b}", "answers is empty"),
    ("Stray text? {oops =a ~b}", "text before the first answer"),
    ("Only one choice? {~%100%a ~}", "answers is empty"),
    ("Lonely right answer? {~%100%alone}", "at least two answers"),
    ("Not understood? {Paris}", "not understood"),
    ("{=a ~b}", "no text"),
    ("::Title only::{T}", "no text"),
    ("Nothing accepted? {=%0%no =%-100%never}", "no accepted answer"),
])
def test_malformed_questions_are_errors_that_say_what_to_do(source, words):
    quiz, problems = gift(f"Fine? {{T}}\n\n{source}\n")
    assert len(quiz.questions) == 1
    assert [(p.line, p.severity) for p in problems] == [(3, ERROR)]
    assert words in problems[0].message


@pytest.mark.parametrize("source, kind", [
    ("Match the pairs. {=cat -> meow =dog -> woof}", "matching"),
    ("How many keys? {#105:5}", "numeric"),
    ("Write about your day. {}", "essay"),
    ("Write about your day. {####Any answer is fine.}", "essay"),
    ("Just some words to read.", "description"),
])
def test_unsupported_question_types_are_warnings_and_skipped(source, kind):
    quiz, problems = gift(f"// header\n\n{source}\n\nKept? {{T}}\n")
    assert [q.text for q in quiz.questions] == ["Kept?"]
    assert [(p.line, p.severity) for p in problems] == [(3, WARNING)]
    assert kind in problems[0].message
    assert "not supported" in problems[0].message and "skipped" in problems[0].message


def test_a_file_of_unsupported_questions_gives_no_quiz_but_says_why():
    quiz, problems = gift("""
        Essay. {}

        Numbers. {#3}
        """)
    assert quiz is None
    assert [(p.line, p.severity) for p in problems] == [(1, WARNING), (3, WARNING)]


def test_a_broken_brace_does_not_swallow_the_next_question():
    quiz, problems = gift("""
        First {=a
        ~b

        Second? {=yes ~no}
        """)
    assert [q.line for q in quiz.questions] == [4]
    assert [p.line for p in problems] == [1]


# A real question bank

FRENCH_BANK = r"""// Banque de questions : premiers pas numériques
// pass: 75
$CATEGORY: $course$/top/Premiers pas

::Souris 1::Quel bouton de la souris ouvre un lien ?{
  =Le bouton gauche#Oui : un clic gauche ouvre le lien.
  ~Le bouton droit#Non, il ouvre un petit menu.
  ~La molette#La molette sert à faire défiler la page.
  ####On clique presque toujours avec le bouton gauche.
}

::Mots de passe::[html]<p>Quels mots de passe sont <strong>sûrs</strong> ?</p>{
  ~%50%Bouilloire-Arc-en-ciel-Piano-42
  ~%50%Trois mots que vous aimez, séparés par des tirets
  ~%-100%123456#C'est le mot de passe le plus utilisé au monde.
}

// Vrai ou faux
::Internet::On peut ouvrir une nouvelle page web sans connexion à Internet.{FAUX}

::Internet bis::On peut ouvrir une nouvelle page web sans connexion à Internet.{F#Sans Internet, le navigateur ne peut pas charger la page.#Exact !}

::Majuscule::Quelle touche écrit une lettre majuscule ?{=Maj =Shift =Majuscule#Elle montre une flèche vers le haut.}

::Capitale::Paris est la capitale de la {=France ~Belgique ~Suisse} depuis des siècles.

::Réglage:: Réglez le volume à 50 % \: utilisez la touche {#50}
"""


def test_a_french_question_bank_with_accents_is_read_in_full():
    quiz, problems = parse_gift(FRENCH_BANK, "cours/01-souris.fr.gift")
    assert quiz.pass_mark == 75
    kinds = [q.kind for q in quiz.questions]
    assert kinds == [SINGLE, MULTIPLE, TRUEFALSE, TEXT, SINGLE]
    mouse, passwords, internet, capital_letter, capital = quiz.questions
    assert mouse.text == "Quel bouton de la souris ouvre un lien ?"
    assert mouse.choices[2] == Choice("La molette", False, "La molette sert à faire défiler la page.")
    assert mouse.feedback == "On clique presque toujours avec le bouton gauche."
    assert passwords.text == "Quels mots de passe sont sûrs ?"
    assert [c.correct for c in passwords.choices] == [True, True, False]
    assert passwords.choices[1].text == "Trois mots que vous aimez, séparés par des tirets"
    assert internet.line == 21
    assert (internet.wrong_feedback, internet.feedback) == (
        "Sans Internet, le navigateur ne peut pas charger la page.", "Exact !")
    assert capital_letter.answers == ["Maj", "Shift", "Majuscule"]
    assert capital_letter.feedback == "Elle montre une flèche vers le haut."
    assert capital.text == "Paris est la capitale de la _____ depuis des siècles."
    assert [(p.line, p.severity) for p in problems] == [(19, ERROR), (27, WARNING)]
    assert str(problems[0]).startswith("cours/01-souris.fr.gift:19: error: ")


def test_a_french_trainer_writing_faux_is_told_to_write_t_or_f():
    # GIFT only knows T, TRUE, F and FALSE, in English, whatever the language of the questions.
    _, problems = parse_gift(FRENCH_BANK, "cours/01-souris.fr.gift")
    assert "T or F" in problems[0].message


# Whatever the input, the parser answers

GIFTISH = st.text(alphabet="{}=~#%:\\->[]/ \n\r\tTFtrueshml0123456789-.éà$", max_size=200)


@given(st.text())
def test_any_text_gives_a_quiz_or_none_and_a_list_of_problems(text):
    quiz, problems = parse_gift(text, "any.gift")
    assert quiz is None or (isinstance(quiz, Quiz) and quiz.questions)
    assert isinstance(problems, list) and all(isinstance(p, Problem) for p in problems)


@given(GIFTISH)
def test_any_gift_looking_text_gives_usable_questions_or_problems(text):
    quiz, problems = parse_gift(text, "any.gift")
    for q in (quiz.questions if quiz else []):
        assert q.text and q.line >= 1
        if q.kind in (SINGLE, MULTIPLE):
            right = sum(c.correct for c in q.choices)
            assert len(q.choices) >= 2 and right >= 1 and (right == 1) == (q.kind == SINGLE)
        elif q.kind == TEXT:
            assert q.answers
        else:
            assert q.kind == TRUEFALSE and q.truth in (True, False)
    assert all(p.line >= 1 and p.severity in (ERROR, WARNING) and p.message for p in problems)
