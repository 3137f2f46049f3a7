"""Bounded model checking: breadth-first search over configurations, and worst-case exits.

:func:`search` explores the configurations of a :class:`~govlang.analyse.model.ScopeModel`
round by round (breadth first, so every path it returns is a shortest one) up to a bound on
the number of rounds. A *node* is a configuration together with the value of an optional
observer (an automaton that watches the rounds, for ``leads to`` properties). When no new node
appears before the bound, the search has **exhausted** the state space: what it did not find
does not exist (a proof); otherwise its findings hold only up to the bound.

:func:`worst_exit` answers the restoration questions: from a set of configurations, on every
sequence of allowed inputs (the evidence stays false), how many rounds until the instance leaves
a set of states? It returns the exact worst case, or a *lasso* (a path that stays inside
forever) as a counterexample.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from govlang.analyse.formulas import Formula
from govlang.analyse.model import Config, Letter, ScopeModel, Step

Node = tuple[Config, Hashable]
"""A configuration and the observer's value (``None`` without an observer)."""
Observer = Callable[[Hashable, Config, Letter, Step], Hashable]
"""The observer's value after a round, from its value before and the round."""
Visit = Callable[[Node, Letter, Step, Node], bool]
"""Called on every transition explored; returning ``True`` stops the search there."""


@dataclass
class Search:
    """The outcome of :func:`search`: the nodes found, how far, and where it stopped."""

    parents: dict[Node, tuple[Node, Letter] | None]
    rounds: int = 0
    exhausted: bool = False
    stopped: tuple[Node, Letter] | None = None
    """The transition on which ``visit`` asked to stop (its source node and letter)."""

    def letters_to(self, node: Node) -> list[Letter]:
        """The inputs of the (shortest) path from the initial node to ``node``."""
        letters: list[Letter] = []
        arrival = self.parents[node]
        while arrival is not None:
            node, letter = arrival
            letters.append(letter)
            arrival = self.parents[node]
        return letters[::-1]

    @property
    def configs(self) -> set[Config]:
        """Every configuration found."""
        return {config for config, _ in self.parents}


def search(
    model: ScopeModel,
    bound: int,
    visit: Visit | None = None,
    *,
    extra: Sequence[Formula] = (),
    allow: Callable[[Letter], bool] | None = None,
    observer: Observer | None = None,
    start: Hashable = None,
    into: Search | None = None,
) -> Search:
    """Explore from the initial configuration, breadth first, for at most ``bound`` rounds.

    ``extra``: input conditions the visitor needs (kept apart in the letters); ``allow``:
    which letters may occur; ``observer`` and ``start``: an automaton over the rounds;
    ``into``: an empty :class:`Search` to fill (so that ``visit`` can follow the paths found
    so far).
    """
    root: Node = (model.initial_config(), start)
    result = into if into is not None else Search({})
    result.parents[root] = None
    frontier = [root]
    while frontier and result.rounds < bound:
        result.rounds += 1
        frontier = list(_expand(model, result, frontier, visit, extra, allow, observer))
        if result.stopped is not None:
            return result
    result.exhausted = not frontier or not _grows(model, result, frontier, extra, allow, observer)
    return result


def _successors(
    model: ScopeModel,
    node: Node,
    extra: Sequence[Formula],
    allow: Callable[[Letter], bool] | None,
    observer: Observer | None,
) -> Iterator[tuple[Letter, Step, Node]]:
    config, value = node
    for letter in model.letters(config, extra):
        if allow is not None and not allow(letter):
            continue
        step = model.step(config, letter)
        after = value if observer is None else observer(value, config, letter, step)
        yield letter, step, (step.config, after)


def _expand(
    model: ScopeModel,
    result: Search,
    frontier: list[Node],
    visit: Visit | None,
    extra: Sequence[Formula],
    allow: Callable[[Letter], bool] | None,
    observer: Observer | None,
) -> Iterator[Node]:
    """The new nodes one round after ``frontier``; visits every transition."""
    for node in frontier:
        for letter, step, after in _successors(model, node, extra, allow, observer):
            if after not in result.parents:
                result.parents[after] = (node, letter)
                yield after
            if visit is not None and visit(node, letter, step, after):
                result.stopped = (node, letter)
                return


def _grows(
    model: ScopeModel,
    result: Search,
    frontier: list[Node],
    extra: Sequence[Formula],
    allow: Callable[[Letter], bool] | None,
    observer: Observer | None,
) -> bool:
    """Whether one more round from the last frontier would find a new node."""
    return any(
        after not in result.parents
        for node in frontier
        for _, _, after in _successors(model, node, extra, allow, observer)
    )


# ------------------------------------------------------------------------------- exits


@dataclass
class Exit:
    """The worst case of leaving a set of states (see :func:`worst_exit`).

    ``worst``: the most rounds any allowed input sequence needs, from ``worst_start`` along
    ``worst_letters``; ``lasso``: when some sequence never leaves, the configuration it starts
    from, the letters up to the loop and the letters of the loop; ``vacuous``: configurations
    where no allowed input exists.
    """

    worst: int = 0
    worst_start: Config | None = None
    worst_letters: list[Letter] = field(default_factory=list)
    lasso: tuple[Config, list[Letter], list[Letter]] | None = None
    vacuous: int = 0


@dataclass
class _Frame:
    """A configuration on the depth-first stack and its best exit so far."""

    config: Config
    successors: Iterator[tuple[Letter, Config]]
    via: Letter | None
    best: int = -1
    best_letter: Letter | None = None
    best_next: Config | None = None


def worst_exit(
    model: ScopeModel,
    starts: Iterable[Config],
    inside: Callable[[Config], bool],
    allow: Callable[[Letter], bool],
) -> Exit:
    """From every configuration of ``starts``, the worst number of rounds spent ``inside``.

    A round leaves when the configuration after it is not ``inside``. Depth-first search with
    memoised longest paths; a configuration met again on the stack is a loop (a lasso).
    """
    result = Exit()
    best: dict[Config, tuple[int, Letter | None, Config | None]] = {}

    def successors(config: Config) -> Iterator[tuple[Letter, Config]]:
        for letter in model.letters(config):
            if allow(letter):
                yield letter, model.step(config, letter).config

    for start in starts:
        if start in best:
            continue
        lasso = _longest(start, successors, inside, best)
        if lasso is not None:
            result.lasso = lasso
            return result
    for start in starts:
        rounds = best[start][0]
        if rounds > result.worst:
            result.worst, result.worst_start = rounds, start
    result.vacuous = sum(1 for rounds, letter, _ in best.values() if letter is None and not rounds)
    if result.worst_start is not None:
        result.worst_letters = _follow(result.worst_start, best)
    return result


def _longest(
    start: Config,
    successors: Callable[[Config], Iterator[tuple[Letter, Config]]],
    inside: Callable[[Config], bool],
    best: dict[Config, tuple[int, Letter | None, Config | None]],
) -> tuple[Config, list[Letter], list[Letter]] | None:
    """Fill ``best`` from ``start``; return a lasso if a loop stays inside."""
    stack = [_Frame(start, successors(start), None)]
    on_stack = {start}
    while stack:
        frame = stack[-1]
        child = _next_child(frame, successors, inside, best, on_stack)
        if isinstance(child, tuple):
            letter, config = child
            index = next(i for i, f in enumerate(stack) if f.config == config)
            prefix = [f.via for f in stack[1 : index + 1] if f.via is not None]
            loop = [f.via for f in stack[index + 1 :] if f.via is not None] + [letter]
            return start, prefix, loop
        if child is not None:
            stack.append(child)
            on_stack.add(child.config)
            continue
        stack.pop()
        on_stack.discard(frame.config)
        best[frame.config] = (max(frame.best, 0), frame.best_letter, frame.best_next)
        if stack:
            _offer(stack[-1], best[frame.config][0] + 1, frame.via, frame.config)
    return None


def _next_child(
    frame: _Frame,
    successors: Callable[[Config], Iterator[tuple[Letter, Config]]],
    inside: Callable[[Config], bool],
    best: dict[Config, tuple[int, Letter | None, Config | None]],
    on_stack: set[Config],
) -> _Frame | tuple[Letter, Config] | None:
    """The next successor to descend into, a loop back onto the stack, or ``None`` (done)."""
    for letter, config in frame.successors:
        if not inside(config):
            _offer(frame, 1, letter, None)
        elif config in on_stack:
            return letter, config
        elif config in best:
            _offer(frame, best[config][0] + 1, letter, config)
        else:
            return _Frame(config, successors(config), letter)
    return None


def _offer(frame: _Frame, rounds: int, letter: Letter | None, config: Config | None) -> None:
    if rounds > frame.best:
        frame.best, frame.best_letter, frame.best_next = rounds, letter, config


def _follow(
    start: Config, best: dict[Config, tuple[int, Letter | None, Config | None]]
) -> list[Letter]:
    """The letters of a worst-case path from ``start`` (following the memoised choices)."""
    letters: list[Letter] = []
    config: Config | None = start
    while config is not None:
        _, letter, config = best[config]
        if letter is None:
            break
        letters.append(letter)
    return letters
