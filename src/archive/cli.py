"""The ``archive`` command: argument parsing, printing and exit codes; nothing imports it.

Exit codes: 0 success, 1 the input has errors (diagnostics printed), 2 the
command could not run (bad arguments, a refused output folder, an unexpected
error: one line naming the file being worked on, never a traceback). Paths
in findings are shown relative to the current folder, as the user's
repository (and GitHub's annotations) see them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

from . import __version__


class _Version(argparse.Action):
    """``--version``: archive's version and the conversion engine's (imported only when asked)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from .scripts import converter_version

        print(f"archive {__version__} ({converter_version()})")
        parser.exit()


def _progress(quiet: bool):
    """Interviews done / total on a terminal; nothing in CI, with --quiet or when piped."""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        print(f"\r{done}/{total} interviews", end="" if done < total else "\n", file=sys.stderr, flush=True)
    return show


def _rebased(diagnostics, archive: str | None) -> list:
    """Diagnostics with each path as the user's repository sees it (relative to the current folder)."""
    if archive is None or not diagnostics:  # nothing to rebase: no need to import the sources' module
        return list(diagnostics)
    import dataclasses

    from .sources import path_from_here

    base = Path(archive).resolve().parent
    return [dataclasses.replace(d, path=path_from_here(d.path, base)) for d in diagnostics]


def _report(diagnostics, fmt: str, failed: bool, external=()) -> None:
    """Print findings in the chosen format: text lines (stderr), GitHub annotations or one JSON document."""
    if fmt == "text":
        for diagnostic in diagnostics:
            print(diagnostic, file=sys.stderr)
        return
    from .findings import format_github, format_json

    if fmt == "github":
        sys.stdout.write(format_github(diagnostics))
    else:
        sys.stdout.write(format_json(list(diagnostics), list(external), failed))


def _cannot_run(args: argparse.Namespace, message: str, path: str | None = None) -> int:
    """Exit 2 (the command could not run), saying why in the format the caller reads."""
    from .findings import format_cannot_run

    command = f"archive {args.command}"
    fmt = getattr(args, "format", "text") if args.command in ("build", "check") else "text"
    sys.stdout.write(format_cannot_run(fmt, command, message, path))
    print(f"{'archive' if args.command == 'build' else command}: {message}", file=sys.stderr)
    return 2


def _build(args: argparse.Namespace) -> int:
    from .build import build
    from .errors import ArchiveError, BuildError

    if not Path(args.archive).is_dir():
        return _cannot_run(args, f"the archive folder {args.archive} does not exist; pass --archive DIR")
    if args.templates and not Path(args.templates).is_dir():
        return _cannot_run(args, f"the templates folder {args.templates} does not exist", args.templates)
    try:
        report = build(args.archive, args.out, args.templates, strict=args.strict,
                       cache_dir=False if args.no_cache else True,
                       progress=_progress(args.quiet or args.format != "text"), drafts=args.drafts,
                       search=getattr(args, "search", True), jobs=args.jobs)
    except BuildError as exc:
        diagnostics = _rebased(exc.diagnostics, args.archive)
        _report(diagnostics, args.format, True)
        errors = sum(1 for d in diagnostics if d.severity.name == "ERROR")
        print(f"build failed: {errors} error(s), {len(diagnostics) - errors} other finding(s); "
              f"the previous site in {args.out} is untouched", file=sys.stderr)
        return 1
    except ArchiveError as exc:
        return _cannot_run(args, str(exc))
    _report(_rebased(report.warnings, args.archive), args.format, False)
    summary = sys.stdout if args.format == "text" else sys.stderr
    unchanged = report.files - len(report.written)
    print(f"built {report.interviews} interview(s) in 2 scripts: {len(report.written)} files written, "
          f"{unchanged} unchanged ({report.pages} pages) in {report.seconds:.2f} s", file=summary)
    if args.timings and report.stages:
        print("worker time by stage: " + ", ".join(f"{name} {spent:.2f} s" for name, spent in report.stages),
              file=summary)
    if not args.quiet and args.format == "text":
        print(f"open {Path(args.out) / 'index.html'} in a browser")
    return 0


def _check(args: argparse.Namespace) -> int:
    from .check import CheckCannotRun, run_check
    from .findings import format_github, format_json, format_text
    from .errors import ArchiveError, has_errors

    if args.templates and not Path(args.templates).is_dir():
        return _cannot_run(args, f"the templates folder {args.templates} does not exist", args.templates)
    try:
        result = run_check(None if args.no_sources else args.archive, args.site, args.templates, full=args.full)
    except (CheckCannotRun, ArchiveError) as exc:
        return _cannot_run(args, str(exc))
    diagnostics = result.diagnostics
    failed = has_errors(diagnostics, strict=args.strict)
    if args.format == "json":
        sys.stdout.write(format_json(diagnostics, result.external, failed))
    elif args.format == "github":
        sys.stdout.write(format_github(diagnostics))
    else:
        sys.stdout.write(format_text(diagnostics))
    if args.list_external and args.format != "json":
        for page, url in result.external:
            print(f"external: {page}: {url}")
    if not args.quiet and args.format == "text":
        errors = sum(1 for d in diagnostics if d.severity.name == "ERROR")
        warnings = sum(1 for d in diagnostics if d.severity.name == "WARNING")
        print(f"checked {result.pages} pages: {errors} error(s), {warnings} warning(s)"
              f"{' (warnings fail with --strict)' if warnings and not args.strict else ''}"
              f"; {'FAILED' if failed else 'ok'}", file=sys.stderr)
    return 1 if failed else 0


def _init(args: argparse.Namespace) -> int:
    from .errors import ArchiveError
    from .init import install_source, init

    source = install_source(args.source)
    try:
        written = init(args.dir, source)
    except ArchiveError as exc:
        return _cannot_run(args, str(exc), args.dir)
    for path in written:
        print(f"wrote {path}")
    if source.spec:
        print(f"the workflow installs {source.spec} ({source.how}); --source SPEC sets another")
    else:
        print(f"archive init cannot tell how CI should install archive ({source.how}): set the repository "
              "variable ARCHIVE_PIP_SPEC to a pip requirement, or run archive init again with --source SPEC")
    print(f"next: cd {args.dir} && archive build && archive check --strict")
    return 0


def _iso_date(value: str):
    import datetime

    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date written YYYY-MM-DD") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of processes (1 or more)")
    return number


def _import(args: argparse.Namespace) -> int:
    from .importer import run

    return run(args.file, args.slug, args.title, args.date, args.out, args.force, args.format, args.keep_punctuation)


def _serve(args: argparse.Namespace) -> int:
    from .errors import ArchiveError
    from .serve import Server

    server = Server(args.archive, args.out, args.templates, host=args.host, port=args.port,
                    log=lambda line: print(line, file=sys.stderr, flush=True), search=args.search)
    try:
        server.start()
        print(f"serving {args.out} at {server.url} (Ctrl-C stops); watching {args.archive} and the templates",
              file=sys.stderr, flush=True)
        if server.warning():
            print(f"archive serve: {server.warning()}", file=sys.stderr, flush=True)
        while True:
            time.sleep(3600)
    except ArchiveError as exc:
        print(f"archive serve: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"archive serve: cannot listen on {args.host}:{args.port}: {exc.strerror}; try --port", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        server.stop()
        print("stopped", file=sys.stderr)
    return 0


def make_parser() -> argparse.ArgumentParser:
    """The command line: every command and option (tests check the workflow init writes against it)."""
    parser = argparse.ArgumentParser(prog="archive", description="Build annotated Chinese interview archives.")
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and the conversion engine")
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build the site")
    p_build.add_argument("--archive", default="interview", help="the archive folder (default: interview)")
    p_build.add_argument("--out", default="site", help="the output folder (default: site)")
    p_build.add_argument("--templates", default=None, help="templates folder (default: templates/ beside the archive)")
    p_build.add_argument("--strict", action="store_true", help="fail on warnings too")
    p_build.add_argument("--quiet", "-q", action="store_true", help="print only problems and the summary")
    p_build.add_argument("--no-cache", action="store_true", help="ignore and do not write .archive-cache/")
    p_build.add_argument("--timings", action="store_true", help="print the time spent by stage (parse, convert, render)")
    p_build.add_argument("--jobs", "-j", type=_positive, default=None, metavar="N",
                         help="processes that make interviews (default: one per core; 1: all in this one)")
    p_build.add_argument("--drafts", action="store_true", help="include interviews marked draft: true")
    p_build.add_argument("--format", choices=("text", "github", "json"), default="text",
                         help="how to print findings (github: workflow annotations; json: one document on stdout)")
    p_build.add_argument("--no-search", dest="search", action="store_false",
                         help="skip the search index (Pagefind)")
    p_build.set_defaults(func=_build)
    p_check = sub.add_parser("check", help="check notes, links and anchors in the sources and the built site")
    p_check.add_argument("--archive", default="interview", help="the archive folder (default: interview)")
    p_check.add_argument("--no-sources", action="store_true", help="check only the site given with --site")
    p_check.add_argument("--site", default=None, help="check this built site instead of a fresh temporary build")
    p_check.add_argument("--templates", default=None, help="templates folder for the temporary build")
    p_check.add_argument("--strict", action="store_true", help="warnings fail too (what CI should use)")
    p_check.add_argument("--format", choices=("text", "github", "json"), default="text")
    p_check.add_argument("--full", action="store_true",
                         help="read and hash every page again (by default only files whose bytes changed are "
                              "read; the rest come from the last check's summaries in .archive-cache)")
    p_check.add_argument("--list-external", action="store_true", help="list external links (never fetched)")
    p_check.add_argument("--quiet", "-q", action="store_true", help="no summary line")
    p_check.set_defaults(func=_check)
    p_import = sub.add_parser("import", help="turn a published plain-text article into an interview's index.md")
    p_import.add_argument("file", help="the plain-text article ('-' reads standard input)")
    p_import.add_argument("--slug", help="the interview's slug (default: from an ASCII file name)")
    p_import.add_argument("--title", help="the title (default: a TODO placeholder)")
    p_import.add_argument("--date", type=_iso_date, help="publication date YYYY-MM-DD (default: the lead's dateline)")
    p_import.add_argument("--out", default="interview", help="the archive folder to write SLUG/index.md in (default: interview)")
    p_import.add_argument("--force", action="store_true", help="overwrite an existing index.md")
    p_import.add_argument("--format", choices=("text", "json"), default="text", help="report format (json: on stdout)")
    p_import.add_argument("--keep-punctuation", action="store_true",
                          help="keep half-width , : ; ? ! ( ) between Chinese characters as written")
    p_import.set_defaults(func=_import)
    p_serve = sub.add_parser("serve", help="build, serve on 127.0.0.1, rebuild on change and reload pages")
    p_serve.add_argument("--archive", default="interview", help="the archive folder (default: interview)")
    p_serve.add_argument("--out", default="site", help="the output folder (default: site)")
    p_serve.add_argument("--templates", default=None, help="templates folder (default: templates/ beside the archive)")
    p_serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p_serve.add_argument("--host", default="127.0.0.1",
                         help="address to bind (default 127.0.0.1: only this machine can connect)")
    p_serve.add_argument("--search", action="store_true",
                         help="also make the search index on every rebuild (the shard of each edited interview)")
    p_serve.set_defaults(func=_serve)
    p_init = sub.add_parser("init", help="start a new archive repository in an empty folder")
    p_init.add_argument("dir", help="the folder to create (or an empty one)")
    p_init.add_argument("--source", metavar="SPEC",
                        help="the pip requirement CI installs archive with, e.g. 'archive @ git+URL@TAG' "
                             "(default: how this archive was installed, when that can be told)")
    p_init.set_defaults(func=_init)
    return parser


def run() -> None:
    """The command's entry point (``archive``, ``python -m archive``): :func:`main`, then exit at once.

    When the command is done, all the interpreter's own teardown would do is
    free every object one by one and collect cycles among them: after a
    one-interview rebuild at N = 1,000, 0.1 s of CPU (a sixth of the
    command). By then every file is closed (writes go through ``with`` and
    an atomic rename), worker processes are joined and the output is
    flushed here, so the process ends with ``os._exit``. ``main`` itself
    returns normally (tests and other callers run it in their process).
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: what Python's own exit would report
        code = code or 120
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line, never a traceback
        where = _working_on(exc, getattr(args, "archive", None))
        return _cannot_run(args, f"internal error{f' while working on {where}' if where else ''}: "
                           f"{type(exc).__name__}: {exc}; this is a bug in archive, please report it "
                           "with this line", where)


def _working_on(exc: BaseException, archive: str | None) -> str | None:
    """The file an unexpected exception happened on, from the innermost call that was given one.

    Only arguments count (a loop variable may name the previous file). A
    source's recorded path (``shown``) is shown relative to the current folder.
    """
    for frame, _ in reversed(list(traceback.walk_tb(exc.__traceback__))):
        code = frame.f_code
        arguments = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
        for name in ("display", "shown", "job", "path", "folder", "rel"):
            value = frame.f_locals.get(name) if name in arguments else None
            recorded = name in ("display", "shown", "job")
            value = getattr(value, "display", getattr(value, "shown", value))
            if isinstance(value, (str, Path)) and str(value):
                if recorded and archive:
                    from .sources import path_from_here

                    return path_from_here(str(value), Path(archive).resolve().parent)
                return str(value)
    return None
