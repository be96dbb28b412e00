"""The Jinja environment's own workings: how templates read the contexts' dicts and write their output.

Owns what makes rendering fast while keeping Jinja's result: :class:`Fields`
(a dict whose keys templates read as attributes without a failed lookup
first), the output escape that makes no :class:`~markupsafe.Markup` per
value (:func:`escape_output`), and a code generator that yields each run of
output once and reads a Fields' key inline (:class:`_JoinedOutput`). Where templates come from, the cache
keys over them and the environment's settings are :mod:`archive.render`'s.
"""

from __future__ import annotations

from io import StringIO
from typing import Any, Callable

import jinja2
import markupsafe
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup

from . import codec


class Fields(dict):
    """A template's dict whose keys Jinja also finds as attributes, at once (the contexts' dicts).

    Jinja reads ``b.type`` by trying ``getattr`` first and the key only after
    that failed: on a plain dict every lookup raises and catches an exception,
    which was half the time of rendering an interview's blocks. Otherwise the
    same plain data (the cache stores it as a dict). The environment looks
    their keys up first (see :class:`Environment`); ``__getattr__`` serves
    any other caller.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


codec.register_mapping(Fields)  # a view's mappings are Fields from the start, and cached as plain objects

_DICT_NAMES = frozenset(dir(Fields))


def _escape_text() -> Callable[[str], str]:
    """markupsafe's escaping of a plain string, returning the string (its C function where it has one)."""
    inner = getattr(markupsafe, "_escape_inner", None)  # markupsafe >= 3.0: the C function under escape()
    if callable(inner) and inner("<&>'\"") == str(markupsafe.escape("<&>'\"")):
        return inner
    return lambda text: str(markupsafe.escape(text))


_ESCAPE_TEXT = _escape_text()


def escape_output(value: Any) -> Any:
    """What a template's ``{{ value }}`` writes: :func:`markupsafe.escape`'s text, without making a
    :class:`~markupsafe.Markup` for a plain string or copying one that is Markup already.

    Jinja's compiled templates call ``escape`` once per output expression (~1,200 on an interview
    page), and markupsafe's makes a new Markup through a Python ``__new__`` each time: a third of
    rendering a page. An output expression's result is only ever joined into the page (or into a
    block, a macro's or a ``set`` block's text, which Jinja marks safe itself), so the text is what
    matters, and it is markupsafe's own for every type (anything else than ``str`` and ``Markup``
    goes to markupsafe, an undefined value raising as before).
    """
    kind = type(value)
    if kind is str:
        return _ESCAPE_TEXT(value)
    if kind is Markup:
        return value
    return markupsafe.escape(value)


class _Template(jinja2.Template):
    """A compiled template whose output expressions escape with :func:`escape_output`."""

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: Any, globals: Any) -> jinja2.Template:
        if namespace.get("escape") is markupsafe.escape:  # the compiled module's own name for it
            namespace["escape"] = escape_output
        namespace["fields_type"] = Fields  # what the code of :class:`_JoinedOutput`'s lookups compares with
        return super()._from_namespace(environment, namespace, globals)


class _JoinedOutput(CodeGenerator):
    """Jinja's code generator, but one ``yield`` per run of output instead of one per piece.

    Between two tags a template's text and ``{{ … }}`` expressions are one output node; Jinja
    yields each piece on its own, and every yield climbs the generators of the blocks and the
    templates it extends (an interview page yields ~1,200 times through three of them). Here the
    pieces are joined first, in the same order, escaped the same way: the page is the same text,
    rendered in four fifths of the time. Output into a buffer (macros, ``set`` blocks) is Jinja's own.
    Its lookups of a :class:`Fields`' keys are inline (:meth:`visit_Getattr`).
    """

    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        """``x.name`` read as ``x['name']`` inline when ``x`` is a :class:`Fields` that has the key, and
        by ``environment.getattr`` otherwise: Jinja's result, without a Python call per lookup.

        An interview's views and pages make ~1,600 lookups of a Fields' key; a call to
        :meth:`Environment.getattr` for each cost more than the lookups themselves (101.4 → 100.7 M
        instructions an interview). A name that is a dict's method (``items``) keeps Jinja's
        lookup, which finds the method first; ``x`` is evaluated once (a name, or bound to a temporary).
        """
        if self.environment.is_async or self.environment.sandboxed or node.attr in _DICT_NAMES:
            super().visit_Getattr(node, frame)
            return
        if isinstance(node.node, nodes.Name) and node.node.ctx == "load":
            stream, self.stream = self.stream, StringIO()
            try:
                self.visit(node.node, frame)
                obj = first = self.stream.getvalue()
            finally:
                self.stream = stream
            if not obj.isidentifier():
                obj = self.temporary_identifier()
                first = f"({obj} := {first})"
        else:
            obj = self.temporary_identifier()
            self.write(f"({obj}[{node.attr!r}] if type({obj} := ")
            self.visit(node.node, frame)
            self.write(f") is fields_type and {node.attr!r} in {obj} else environment.getattr({obj}, {node.attr!r}))")
            return
        self.write(f"({obj}[{node.attr!r}] if type({first}) is fields_type and {node.attr!r} in {obj}"
                   f" else environment.getattr({obj}, {node.attr!r}))")

    def visit_Output(self, node: nodes.Output, frame: Frame) -> None:
        if frame.buffer is not None:
            super().visit_Output(node, frame)
            return
        if frame.require_output_check:
            if self.has_known_extends:
                return
            self.writeline("if parent_template is None:")
            self.indent()
        finalize = self._make_finalize()
        body: list[Any] = []  # as Jinja's: runs of constant text (lists) and nodes to evaluate
        for child in node.nodes:
            try:
                if not (finalize.const or isinstance(child, nodes.TemplateData)):
                    raise nodes.Impossible()
                const = self._output_child_to_const(child, frame, finalize)
            except (nodes.Impossible, Exception):
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        if len(body) == 1 and isinstance(body[0], list):
            self.writeline("yield " + self._output_const_repr(body[0]))
        else:
            self.writeline("yield concat((")
            self.indent()
            for item in body:
                if isinstance(item, list):
                    self.writeline(self._output_const_repr(item) + ",")
                else:
                    self.newline(item)
                    self._output_child_pre(item, frame, finalize)
                    self.visit(item, frame)
                    self._output_child_post(item, frame, finalize)
                    self.write(",")
            self.outdent()
            self.writeline("))")
        if frame.require_output_check:
            self.outdent()


_JOINS = all(hasattr(CodeGenerator, name) for name in (
    "_make_finalize", "_output_child_to_const", "_output_const_repr", "_output_child_pre", "_output_child_post"))
"""Whether this Jinja has the steps :class:`_JoinedOutput` reuses (3.x); else its own generator is used."""


class Environment(jinja2.Environment):
    """Jinja's environment, reading a :class:`Fields`' keys without a failed attribute lookup first,
    and escaping output with :func:`escape_output`.

    The result is what Jinja's own lookup gives (a dict's methods still win
    over keys of the same name); a page of ~600 lookups renders in two thirds
    of the time.
    """

    template_class = _Template
    if _JOINS:
        code_generator_class = _JoinedOutput

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is Fields and attribute not in _DICT_NAMES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)
