"""Runs of text converted from one script to the other: OpenCC, the glossary, names, quotation marks.

A run is the text of one piece of inline content (a paragraph, a headline, a
caption) as a sequence of pieces, so a word split by emphasis, a link or a note
reference keeps its context (头*发* → 頭*髮*); :mod:`archive.scripts` makes the
runs from the model and cuts the results back at the leaf boundaries. The
profiles are character-for-character except for the vocabulary of ``twp``
(内存 → 記憶體); when a run changes length its text pieces are converted each on
its own instead. Glossary terms and names are swapped for private-use
placeholder characters (which OpenCC passes through untouched) before the
engine runs and for their target forms after; the placeholders are chosen among
code points that no run and no target form contains, so a private-use character
in a source can never be mistaken for one. The runs given to :meth:`Converter.convert_all`
go to the engine in one call, the runs joined by newlines (OpenCC never
converts across one: no entry of its dictionaries holds one), and each
distinct run given to :meth:`Converter.run` is converted once per converter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from . import engine
from .model import GlossaryEntry, Script
from .names import NameForm

# (source script, conversion) → OpenCC profile converting to the other script
PROFILES: dict[tuple[str, str], str] = {
    ("hant", "tw"): "tw2s", ("hant", "hk"): "hk2s", ("hant", "twp"): "tw2sp",
    ("hans", "tw"): "s2tw", ("hans", "hk"): "s2hk", ("hans", "twp"): "s2twp",
}
_PLACEHOLDER_BASE = 0xF0000  # Supplementary Private Use Area-A: OpenCC passes it through
_PLACEHOLDER_END = 0x10FFFD
_PRIVATE_RE = re.compile(f"[{chr(_PLACEHOLDER_BASE)}-{chr(0x10FFFF)}]")
_QUOTES = {"hant": tuple(zip("“”‘’", "「」『』")), "hans": tuple(zip("「」『』", "“”‘’"))}
_QUOTE_RE = {target: re.compile("[" + "".join(mark for mark, _ in pairs) + "]") for target, pairs in _QUOTES.items()}
_APOSTROPHE_RE = re.compile(r"(?<=[A-Za-z0-9])’(?=[A-Za-z0-9])")
"""’ between two Latin letters or digits (don’t, rock’n’roll) is an apostrophe, not a quote."""
_FEW_TERMS = 16
"""Up to this many terms (an interview's people and a short glossary) each is looked for on its own."""
_OPAQUE = "\ufffc"
_SEPARATOR = "\n"

# a run is a sequence of pieces (kind, source text): "text" converts, "keep" is shown as written,
# "variant" shows its target form; the source text of all three is the engine's context.
# "opaque" (inline code) is one placeholder character in the stream and is never converted.
Piece = tuple[str, str]
Run = tuple[Piece, ...]


class Converter:
    """Converts runs of text from one script to the other with one profile, glossary and name list."""

    def __init__(self, source: Script, target: Script, conversion: str,
                 glossary: Iterable[GlossaryEntry] = (), names: Iterable[NameForm] = (),
                 quotes: bool = True):
        self.source, self.target = source, target
        self.profile = None if source == target else PROFILES[(source, conversion)]
        self.quotes = _QUOTES[target] if quotes else ()
        self.quote_re = _QUOTE_RE[target] if quotes else None
        self.quote_marks = self.marks(target) if quotes else ()
        """The marks :meth:`_quote` changes (none when quotes are kept): ``mark in text`` for each is
        several times cheaper than a search with :attr:`quote_re`."""
        pairs: dict[str, str] = {n.source: n.target for n in names}
        # later entries (the interview's own) override earlier ones (the archive's) and any name
        for entry in glossary:
            src = entry.hant if source == "hant" else entry.hans
            pairs[src] = entry.hant if target == "hant" else entry.hans
        self.forms = pairs
        # on the source script's own page every term is its own form: nothing to swap
        self.terms = tuple(sorted((t for t in pairs if t), key=len, reverse=True)) if self.profile else ()
        """The terms in the order they are tried at each place: the longest first."""
        self.term_re: re.Pattern | None = None
        """All the terms as one pattern, made only for more than :data:`_FEW_TERMS` terms: it is new in
        every interview (the names of its people), and compiling it cost ~0.15 ms an interview."""
        self.cache: dict[Run, list[str]] = {}

    @staticmethod
    def marks(target: Script) -> tuple[str, ...]:
        """The quotation marks a converter to ``target`` changes (when it converts them)."""
        return tuple(mark for mark, _ in _QUOTES[target])

    def __call__(self, text: str) -> str:
        """One plain string (no override syntax)."""
        return self.run((("text", text),))[0] if text else text

    def run(self, pieces: Sequence[Piece]) -> list[str]:
        """The target text of each piece of one run (``keep`` pieces come back as written)."""
        key = tuple(pieces)
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = self.convert_all([key])[0]
        return hit

    def convert_all(self, runs: list[Run]) -> list[list[str]]:
        """The target text of each piece of each run, all runs in one engine call."""
        if not runs:
            return []
        outs = [[text for _, text in run] for run in runs] if self.profile is None else self._convert(runs)
        if self.quote_marks and has_any("".join(map("".join, outs)), self.quote_marks):
            outs = [self._quote(run, out) for run, out in zip(runs, outs)]
        return outs

    def _convert(self, runs: list[Run]) -> list[list[str]]:
        """Each piece of each run converted in the context of its whole run (a run that changed
        length: each of its text pieces on its own, in a second engine call)."""
        parts = [[_OPAQUE if kind == "opaque" else text for kind, text in run] for run in runs]
        streams = list(map("".join, parts))
        swap, swapped, marked = None, [], []
        terms = self._present(_SEPARATOR.join(streams)) if self.terms else ()
        if terms:
            swap = _Swap(terms, self.term_re, self.forms, runs)
            swapped = [i for i, stream in enumerate(streams) if swap.found(stream)]
            subbed = iter(swap.sub([part for i in swapped for (kind, _), part in zip(runs[i], parts[i])
                                    if kind == "text"]))
            for i in swapped:
                run_parts = parts[i]
                for j, (kind, _) in enumerate(runs[i]):
                    if kind == "text":
                        part = next(subbed)
                        if part != run_parts[j]:
                            run_parts[j] = part
                            marked.append((i, j))
                streams[i] = "".join(run_parts)
        outs: list[list[str]] = []
        alone: list[int] = []
        for i, (run, run_parts, stream, whole) in enumerate(zip(runs, parts, streams, self._batch(streams))):
            if len(run) == 1:
                outs.append([whole if run[0][0] == "text" else run[0][1]])
            elif len(whole) == len(stream):
                out, at = [], 0
                for (kind, source), part in zip(run, run_parts):
                    end = at + len(part)
                    out.append(whole[at:end] if kind == "text" else source)
                    at = end
                outs.append(out)
            else:  # no safe cut
                alone.append(i)
                outs.append([])
        if alone:
            singles = iter(self._batch([part for i in alone for (kind, _), part in zip(runs[i], parts[i])
                                        if kind == "text"]))
            for i in alone:
                outs[i] = [next(singles) if kind == "text" else source for kind, source in runs[i]]
        for i, j in marked:
            outs[i][j] = swap.back(outs[i][j])  # type: ignore[union-attr]
        return outs

    def _present(self, text: str) -> tuple[str, ...]:
        """The terms that occur in ``text``, in the order they are tried; all of them when there are
        too many to look for one by one (and one pattern finds one)."""
        if len(self.terms) <= _FEW_TERMS:
            return tuple(term for term in self.terms if term in text)
        if self.term_re is None:
            self.term_re = _pattern(self.terms)
        return self.terms if self.term_re.search(text) else ()

    def _batch(self, streams: list[str]) -> list[str]:
        """Each stream converted, all in one engine call: joined by newlines, cut at them again."""
        converted = _cut(engine.convert(self.profile, _SEPARATOR.join(streams)), streams)  # type: ignore[arg-type]
        if converted is None:  # the engine added or took a newline: never seen, but then one by one
            return [engine.convert(self.profile, stream) for stream in streams]  # type: ignore[arg-type]
        return converted

    def _quote(self, pieces: Run, texts: list[str]) -> list[str]:
        """Quotation marks in the target script's convention; an apostrophe (don’t) and protected text stay."""
        joined = "".join(texts)
        if self.quote_re.search(joined) is None:  # type: ignore[union-attr]
            return texts
        apostrophes = {m.start() for m in _APOSTROPHE_RE.finditer(joined)} if "’" in joined else set()
        out, at = [], 0
        for (kind, _), text in zip(pieces, texts):
            if kind == "text":
                if not any(at <= i < at + len(text) for i in apostrophes):
                    for mark, form in self.quotes:
                        if mark in text:
                            text = text.replace(mark, form)
                else:
                    forms = dict(self.quotes)
                    text = "".join(ch if at + i in apostrophes else forms.get(ch, ch) for i, ch in enumerate(text))
            out.append(text)
            at += len(text)
        return out


def has_any(text: str, marks: tuple[str, ...]) -> bool:
    """Whether any of ``marks`` occurs in ``text``."""
    for mark in marks:
        if mark in text:
            return True
    return False


def _cut(joined: str, originals: list[str]) -> list[str] | None:
    """``joined`` (the ``originals`` joined by newlines, then changed) cut into one text per original;
    None when the number of newlines changed."""
    out = joined.split(_SEPARATOR)
    if len(out) == len(originals):  # no original holds a newline of its own
        return out
    counts = [text.count(_SEPARATOR) + 1 for text in originals]
    if len(out) != sum(counts):
        return None
    cut, at = [], 0
    for count in counts:
        cut.append(_SEPARATOR.join(out[at:at + count]))
        at += count
    return cut


def _private(text: str) -> set[str]:
    """The placeholder-range characters in ``text``: none without a character beyond the BMP, which
    its UTF-16 length tells at copying speed (the regex search took ~80 µs an interview)."""
    if len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text):
        return set()
    return set(_PRIVATE_RE.findall(text))


def _pattern(terms: tuple[str, ...]) -> re.Pattern:
    """One pattern trying ``terms`` in their order at each place, as one group."""
    return re.compile("(" + "|".join(map(re.escape, terms)) + ")")


def _overlapping(terms: tuple[str, ...]) -> bool:
    """Whether an occurrence of a term can overlap one of another term (or of itself) without holding
    it or being held: a proper suffix of one is a proper prefix of the other."""
    return any(a[-k:] == b[:k] for a in terms for b in terms for k in range(1, min(len(a), len(b))))


class _Swap:
    """Glossary terms and names swapped for private-use characters in the engine's input, and back.

    Each of ``terms`` swapped by one ``str.replace`` in turn, longest first, swaps what one pattern
    trying them in that order at each place does (its leftmost, longest matches) as long as no two
    occurrences can overlap without one holding the other (:func:`_overlapping`): then any two are
    apart or one holds the other, and both swap exactly the occurrences no longer one holds. Else
    ``term_re`` (the converter's, or one made for these terms) swaps them. The pattern is new in every
    interview (its people's names): compiling it cost ~0.15 ms an interview, 2.2 M instructions with its pass.
    """

    def __init__(self, terms: tuple[str, ...], term_re: re.Pattern | None, forms: dict[str, str], runs: list[Run]):
        self.terms, self.forms, self.runs = terms, forms, runs
        self.term_re = term_re if term_re is not None else _pattern(terms) if _overlapping(terms) else None
        self.marks: dict[str, str] = {}
        self.back_pairs: list[tuple[str, str]] = []
        self.free: Iterator[str] | None = None

    def sub(self, texts: list[str]) -> list[str]:
        """Each text with its terms swapped; one regex pass when no term holds a newline to join them by."""
        if any(_SEPARATOR in term for term in self.forms):
            return [self._sub(text) for text in texts]
        return _cut(self._sub(_SEPARATOR.join(texts)), texts)  # type: ignore[return-value]

    def found(self, text: str) -> bool:
        """Whether any of the terms occurs in ``text``."""
        return self.term_re.search(text) is not None if self.term_re is not None else has_any(text, self.terms)

    def _sub(self, text: str) -> str:
        if self.term_re is None:
            for term in self.terms:
                if term in text:
                    text = text.replace(term, self.marks.get(term) or self._mark(term))
            return text
        pieces = self.term_re.split(text)  # text, term, text, term … text: the pattern is one group
        terms = pieces[1::2]
        for term in terms:
            if term not in self.marks:
                self._mark(term)
        pieces[1::2] = map(self.marks.__getitem__, terms)
        return "".join(pieces)

    def _mark(self, term: str) -> str:
        if self.free is None:
            # no run holds a placeholder, nor any term or form: the marks are replaced back one after
            # another, and no term swapped later can match one
            texts = [text for run in self.runs for _, text in run] + list(self.forms) + list(self.forms.values())
            used = _private("".join(texts))
            self.free = (chr(cp) for cp in range(_PLACEHOLDER_BASE, _PLACEHOLDER_END) if chr(cp) not in used)
        self.marks[term] = mark = next(self.free)
        self.back_pairs.append((mark, self.forms[term]))
        return mark

    def back(self, text: str) -> str:
        for mark, form in self.back_pairs:
            if mark in text:
                text = text.replace(mark, form)
        return text
