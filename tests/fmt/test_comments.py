"""format_document keeps every comment, next to the line it belonged to."""

from __future__ import annotations

from govlang.lang.fmt import format_document
from govlang.lang.frontend import Document, parse_text

SOURCE = """# top


institution X "d" # after header
# before obs
observe q: number[agent] # q
monitor m: bool = a # inner
  or b   # end of m
param p: int = 3 in [0, 5]
market { # scope open
  # lead state
  initial state s "L" { # state open
    # before sanction
    on enter: notice "hi" # after sanction
    # footer of state
  } # after close
  evidence m

  rule R "t" {
    s -> s when m # e1
    # rule footer
  }
  # scope footer
} # scope close
per agent {
  initial state a
}
# end of file
"""

EXPECTED = """# top

institution X "d"  # after header

# before obs
observe q: number[agent]  # q

param p: int = 3 in [0, 5]

# inner
monitor m: bool = a or b  # end of m

per agent {
  initial state a
}

market {  # scope open
  evidence m

  # lead state
  initial state s "L" {  # state open
    # before sanction
    on enter: notice "hi"  # after sanction
    # footer of state
  }  # after close

  rule R "t" {
    s -> s when m  # e1
    # rule footer
  }
  # scope footer
}  # scope close
# end of file
"""


def formatted(text: str) -> tuple[Document, str]:
    doc = parse_text(text)
    assert not doc.diagnostics
    return doc, format_document(doc)


def assert_stable(doc: Document, out: str) -> None:
    again = parse_text(out)
    assert again.institution == doc.institution
    assert format_document(again) == out
    assert [c.text.rstrip() for c in again.comments] == [
        c.text.rstrip() for c in sorted(doc.comments, key=lambda c: out.index(c.text.rstrip()))
    ]


def test_comments_stay_with_their_lines() -> None:
    doc, out = formatted(SOURCE)
    assert out == EXPECTED
    assert_stable(doc, out)


def test_comments_inside_a_multi_line_expression_move_before_the_declaration() -> None:
    doc, out = formatted(
        "institution T\nmonitor m = a # one\n  # two\n  + b # three\nmonitor n = 1\n"
    )
    assert out == "institution T\n\n# one\n# two\nmonitor m = a + b  # three\nmonitor n = 1\n"
    assert_stable(doc, out)


def test_comments_move_with_declarations_that_change_place() -> None:
    doc, out = formatted(
        "institution T\n# about p\nparam p: int = 1\n# about o\nobserve o: number\n"
    )
    assert out == "institution T\n\n# about o\nobserve o: number\n\n# about p\nparam p: int = 1\n"
    assert_stable(doc, out)


def test_comment_inside_an_edge_and_after_the_last_edge_of_a_rule() -> None:
    source = (
        "institution T per agent { initial state a\n rule R { a -> a\n # why\n when x > 1\n"
        " # nothing after\n } }"
    )
    doc, out = formatted(source)
    assert "    # why\n    a -> a when x > 1\n    # nothing after\n  }\n" in out
    assert_stable(doc, out)


def test_blank_lines_are_kept_once_but_not_after_a_brace() -> None:
    source = (
        "institution T\n\n\n\nparam a: int = 1\n\n\n# b\n\nparam b: int = 2\n"
        "param c: int = 3\nper agent {\n\n  initial state s\n}\n"
    )
    doc, out = formatted(source)
    assert out == (
        "institution T\n\nparam a: int = 1\n\n# b\n\nparam b: int = 2\nparam c: int = 3\n\n"
        "per agent {\n  initial state s\n}\n"
    )
    assert_stable(doc, out)


def test_windows_line_endings_and_non_ascii_comments() -> None:
    source = 'institution T "é€"\r\n# naïve → 中文 😀\r\nparam a: int = 1 # ß\r\n'
    doc, out = formatted(source)
    assert out == 'institution T "é€"\n\n# naïve → 中文 😀\nparam a: int = 1  # ß\n'
    assert "\r" not in out
    assert_stable(doc, out)


def test_a_file_of_only_a_header_and_comments() -> None:
    doc, out = formatted("# a\ninstitution T # b\n# c\n")
    assert out == "# a\ninstitution T  # b\n# c\n"
    assert_stable(doc, out)


def test_a_megabyte_of_comments_is_kept() -> None:
    body = "".join(f"# line {i} {'x' * 60}\n" for i in range(14_000))
    _, out = formatted("institution T\n" + body + "param a: int = 1\n")
    assert len(out) > 1_000_000
    assert out.count("\n# line ") == 14_000
    assert out.endswith("# line 13999 " + "x" * 60 + "\nparam a: int = 1\n")
