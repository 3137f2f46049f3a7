"""The front end is re-entrant: parsing and formatting from many threads at once.

The defect: the comment collector was one process-wide object, so with 6 threads a parse
could return another parse's comments (or none), and the garbage collector was switched off
process-wide while any thread parsed. Each thread here parses its own sources, all carrying
comments unique to them, and every result must hold exactly its own comments.
"""

from __future__ import annotations

import gc
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from govlang.lang.fmt import format_document
from govlang.lang.frontend import collector_paused, parse_text

REFERENCE = (
    Path(__file__).resolve().parent.parent / "examples" / "cournot_reference.gov"
).read_text(encoding="utf-8")
THREADS = 6
PARSES = 15  # per thread: 90 in all


def source(thread: int, k: int) -> str:
    """The reference institution with a comment naming ``thread`` and ``k`` after each line."""
    tag = f"thread {thread} parse {k}"
    lines = [
        line if not line.strip() or line.lstrip().startswith("#") else f"{line}  # {tag} line {n}"
        for n, line in enumerate(REFERENCE.splitlines())
    ]
    return f"# {tag} header\n" + "\n".join(lines) + "\n"


def comments_alone(thread: int, k: int) -> list[str]:
    """The comments of :func:`source` parsed with no other thread running."""
    return [c.text for c in parse_text(source(thread, k)).comments]


def test_parallel_parses_return_their_own_comments() -> None:
    expected = {(t, k): comments_alone(t, k) for t in range(THREADS) for k in range(PARSES)}
    assert all(
        f"# thread {t} parse {k} header" in found and len(found) > 60
        for (t, k), found in expected.items()
    )
    barrier = threading.Barrier(THREADS)

    def work(thread: int) -> list[tuple[list[str], list[str]]]:
        barrier.wait()  # start together, so that the parses overlap
        results = []
        for k in range(PARSES):
            document = parse_text(source(thread, k), f"t{thread}-{k}.gov")
            assert document.institution is not None, document.diagnostics
            results.append(([c.text for c in document.comments], expected[thread, k]))
        return results

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = [r for rs in pool.map(work, range(THREADS)) for r in rs]
    assert len(outcomes) == THREADS * PARSES
    wrong = [got for got, expected in outcomes if got != expected]
    assert wrong == []


def test_formatting_from_threads_keeps_every_comment() -> None:
    texts = [source(t, 0) for t in range(THREADS)]
    alone = [format_document(parse_text(text)) for text in texts]
    barrier = threading.Barrier(THREADS)

    def work(thread: int) -> list[str]:
        barrier.wait()
        return [format_document(parse_text(texts[thread])) for _ in range(5)]

    with ThreadPoolExecutor(THREADS) as pool:
        together = list(pool.map(work, range(THREADS)))
    for thread, outputs in enumerate(together):
        assert outputs == [alone[thread]] * 5
        assert f"# thread {thread} parse 0 line 20" in outputs[0]


def test_the_collector_stays_on_while_threads_parse() -> None:
    """Other threads keep the garbage collector while one parses."""
    assert gc.isenabled()
    stop = threading.Event()
    seen_off = []

    def watch() -> None:
        while not stop.is_set():
            if not gc.isenabled():
                seen_off.append(True)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for k in range(10):
            parse_text(source(0, k))
    finally:
        stop.set()
        watcher.join()
    assert seen_off == []
    assert gc.isenabled()


def test_alone_the_collector_is_paused_and_restored() -> None:
    """With a single thread the pause is invisible to anyone else, and undone afterwards."""
    assert threading.active_count() == 1
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the caller's choice is kept
    finally:
        gc.enable()
