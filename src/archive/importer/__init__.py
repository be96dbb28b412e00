"""Published plain text → the archive's Markdown source (``archive import``).

The importer owns the published plain-text format (one
paragraph per line, credits, lead, ``01.`` sections, questions and answers,
``*`` notes and markers, ``▲`` captions, source and rights) and its known
imperfections. Each module is one stage, a plain function from one value to
the next::

    text ─punctuation.normalise─▶ lines ─read.read_lines─▶ [Line] ─read.read_article─▶ Article
         ─place.place_notes (terms, labels)─▶ Placement ─write.write_front + write_body─▶ Markdown
         ─parse_interview (self-check)─▶ command.Result (report.Report)

``meta`` reads the dates and outlet from the lead, ``script`` the script and
Taiwan vocabulary, ``findings`` holds the IMP warning codes. ``command`` runs
it all and is the CLI's entry (:func:`run`). Text is never rewritten except
half-width punctuation between Chinese characters (``--keep-punctuation``
keeps it): the Markdown parses back to the same text minus the ``*`` markers
(tests/test_import.py defines and checks that). The output is a draft
(``draft: true``) until the editor fills its placeholders.
"""

from .command import Result, import_text, run
from .findings import Imp, ImportFailed
from .write import escape

__all__ = ["Imp", "ImportFailed", "Result", "escape", "import_text", "run"]
