"""The ``archive`` command: argument parsing, printing and exit codes; nothing imports it.

Exit codes: 0 success, 1 the input has errors (diagnostics printed), 2 the
command could not run (bad arguments, a refused output folder).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .build import build
from .errors import ArchiveError, BuildError


def _progress(quiet: bool):
    """Interviews done / total on a terminal; nothing in CI, with --quiet or when piped."""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        print(f"\r{done}/{total} interviews", end="" if done < total else "\n", file=sys.stderr, flush=True)
    return show


def _build(args: argparse.Namespace) -> int:
    try:
        report = build(args.archive, args.out, args.templates, strict=args.strict,
                       cache_dir=False if args.no_cache else True, progress=_progress(args.quiet),
                       search=getattr(args, "search", True))
    except BuildError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic, file=sys.stderr)
        errors = sum(1 for d in exc.diagnostics if d.severity.name == "ERROR")
        print(f"build failed: {errors} error(s), {len(exc.diagnostics) - errors} other finding(s); "
              f"the previous site in {args.out} is untouched", file=sys.stderr)
        return 1
    except ArchiveError as exc:
        print(f"archive: {exc}", file=sys.stderr)
        return 2
    for diagnostic in report.warnings:
        print(diagnostic, file=sys.stderr)
    unchanged = report.files - len(report.written)
    print(f"built {report.interviews} interview(s) in 2 scripts: {len(report.written)} files written, "
          f"{unchanged} unchanged ({report.pages} pages) in {report.seconds:.2f} s")
    if args.timings and report.stages:
        print("worker time by stage: " + ", ".join(f"{name} {spent:.2f} s" for name, spent in report.stages))
    if not args.quiet:
        print(f"open {Path(args.out) / 'index.html'} in a browser")
    return 0


def _check(args: argparse.Namespace) -> int:
    from .check import CheckCannotRun, format_github, format_json, format_text, run_check
    from .errors import has_errors

    try:
        result = run_check(None if args.no_sources else args.archive, args.site, args.templates)
    except (CheckCannotRun, ArchiveError) as exc:
        print(f"archive check: {exc}", file=sys.stderr)
        return 2
    failed = has_errors(result.diagnostics, strict=args.strict)
    if args.format == "json":
        sys.stdout.write(format_json(result.diagnostics, result.external, failed))
    elif args.format == "github":
        sys.stdout.write(format_github(result.diagnostics))
    else:
        sys.stdout.write(format_text(result.diagnostics))
    if args.list_external and args.format != "json":
        for page, url in result.external:
            print(f"external: {page}: {url}")
    if not args.quiet and args.format == "text":
        errors = sum(1 for d in result.diagnostics if d.severity.name == "ERROR")
        warnings = sum(1 for d in result.diagnostics if d.severity.name == "WARNING")
        print(f"checked {result.pages} pages: {errors} error(s), {warnings} warning(s)"
              f"{' (warnings fail with --strict)' if warnings and not args.strict else ''}"
              f"; {'FAILED' if failed else 'ok'}", file=sys.stderr)
    return 1 if failed else 0


def _iso_date(value: str):
    import datetime

    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date written YYYY-MM-DD") from None


def _import(args: argparse.Namespace) -> int:
    from .importer import run

    return run(args.file, args.slug, args.title, args.date, args.out, args.force, args.format)


def _serve(args: argparse.Namespace) -> int:
    from .serve import Server

    server = Server(args.archive, args.out, args.templates, host=args.host, port=args.port,
                    log=lambda line: print(line, file=sys.stderr, flush=True))
    try:
        server.start()
        print(f"serving {args.out} at {server.url} (Ctrl-C stops); watching {args.archive} and the templates",
              file=sys.stderr, flush=True)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="archive", description="Build annotated Chinese interview archives.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build the site")
    p_build.add_argument("--archive", default="interview", help="the archive folder (default: interview)")
    p_build.add_argument("--out", default="site", help="the output folder (default: site)")
    p_build.add_argument("--templates", default=None, help="templates folder (default: templates/ beside the archive)")
    p_build.add_argument("--strict", action="store_true", help="fail on warnings too")
    p_build.add_argument("--quiet", "-q", action="store_true", help="print only problems and the summary")
    p_build.add_argument("--no-cache", action="store_true", help="ignore and do not write .archive-cache/")
    p_build.add_argument("--timings", action="store_true", help="print the time spent by stage (parse, convert, render)")
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
    p_import.set_defaults(func=_import)
    p_serve = sub.add_parser("serve", help="build, serve on 127.0.0.1, rebuild on change and reload pages")
    p_serve.add_argument("--archive", default="interview", help="the archive folder (default: interview)")
    p_serve.add_argument("--out", default="site", help="the output folder (default: site)")
    p_serve.add_argument("--templates", default=None, help="templates folder (default: templates/ beside the archive)")
    p_serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p_serve.add_argument("--host", default="127.0.0.1",
                         help="address to bind (default 127.0.0.1: only this machine can connect)")
    p_serve.set_defaults(func=_serve)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
