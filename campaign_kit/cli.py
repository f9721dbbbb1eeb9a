"""`python build_posters.py build | check | serve`: the one command."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

from . import faults
from .errors import ContentError, KitError, Problem
from .materials import default_kit, kit_names, load_project
from .pipeline import STAGES, Options, build, configure_logging, log, progress_default


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(args.verbose)
    with faults.stop_signals_interrupt():  # SIGTERM too: the staging folder is removed, workers stopped
        try:
            return int(args.func(args))
        except ContentError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"{len(exc.problems)} problem(s) found; nothing was written.", file=sys.stderr)
            return 1
        except faults.Fault as exc:  # a full disk, a read-only folder, another build: one line
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except KitError as exc:
            print(f"error: {exc}", file=sys.stderr)
            print("The previous output, if any, is untouched.", file=sys.stderr)
            return 1
        except OSError as exc:  # outside a build: serve's port, ...
            print(f"error: {faults.describe(exc)}", file=sys.stderr)
            return 1
        except KeyboardInterrupt as exc:
            print(f"interrupted: {exc}" if str(exc) else "interrupted", file=sys.stderr)
            return faults.exit_status(exc)


ALL_KITS = "all"


def _kits(args: argparse.Namespace) -> list[str]:
    """The kits a command is for: the one named, every kit with `all`, else the default kit."""
    materials = Path(args.materials)
    if args.kit == ALL_KITS:
        return list(kit_names(materials))
    return [args.kit or default_kit(materials)]


def _out(args: argparse.Namespace, kit: str) -> Path:
    """`--out`, or by default `site/` for the default kit and `site-<kit>/` for the others."""
    if args.out:
        return Path(args.out)
    return Path("site" if kit == default_kit(Path(args.materials)) else f"site-{kit}")


def _check(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    for kit in _kits(args):
        try:
            project = load_project(Path(args.materials), kit=kit)
        except ContentError as exc:  # every kit checked, each problem said once
            problems.extend(p for p in exc.problems if p not in problems)
            continue
        print(f"OK: kit {kit} ({project.campaign.campaign.province}): {len(project.directives)} directives, "
              f"{len(project.stores)} stores, {len(project.languages)} languages, {len(project.formats)} formats.")
        for lang, keys in project.texts.missing.items():
            if keys:
                print(f"note: {lang} has no translation for {len(keys)} text(s): {', '.join(keys)}")
    if problems:
        raise ContentError(problems)
    return 0


def _build(args: argparse.Namespace) -> int:
    kits = _kits(args)
    if len(kits) > 1 and (args.out or args.cache):
        raise KitError("--kit all builds each kit into its own folder (site/, site-<kit>/): "
                       "leave out --out and --cache")
    only = tuple(s.strip() for s in args.only.split(",") if s.strip()) if args.only else ()
    for kit in kits:
        options = Options(jobs=args.jobs, strict=args.strict, only=only,
                          cache=Path(args.cache) if args.cache else None,
                          progress=progress_default() and not args.verbose, force=args.force, kit=kit,
                          verify=args.verify)
        out = _out(args, kit)
        with faults.building(out):
            report = build(Path(args.materials), out, options)
        log.info("%s %d files of kit %s into %s in %.1f s%s", "kept" if report.up_to_date else "built",
                 report.files, kit, out, report.seconds,
                 f" ({len(report.warnings)} warning(s))" if report.warnings else "")
    return 0


def _serve(args: argparse.Namespace) -> int:
    if args.kit == ALL_KITS:
        raise KitError("serve previews one kit: name it with --kit")
    out = _out(args, _kits(args)[0])
    if not args.no_build:
        _build(args)
    import http.server  # only here: a build does not need it

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        log.info("serving %s at http://127.0.0.1:%d/ (Ctrl+C to stop)", out, args.port)
        server.serve_forever()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="build_posters.py", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(required=True, dest="command")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--materials", default="materials", help="content folder (default: materials)")
        p.add_argument("--kit", help="the province's kit (a folder of materials/kits/), or 'all' "
                                     "(default: default_kit of campaign.yml)")

    def building(p: argparse.ArgumentParser) -> None:
        common(p)
        p.add_argument("--out", help="output folder (default: site/ for the default kit, site-<kit>/ for another)")
        p.add_argument("--only", help=f"comma-separated stages to rebuild: {', '.join(STAGES)}")
        p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
        p.add_argument("--strict", action="store_true", help="fail on warnings (missing translations, ...)")
        p.add_argument("--cache", help="render cache folder (default: <out>.cache)")
        p.add_argument("--force", action="store_true",
                       help="run every stage even if nothing changed since the last build")
        p.add_argument("--verify", action="store_true",
                       help="read every output file back against its sha256 before publishing (slow)")

    p = sub.add_parser("check", help="validate materials/ and list every problem")
    common(p)
    p.set_defaults(func=_check)
    p = sub.add_parser("build", help="validate, then build everything into the output folder")
    building(p)
    p.set_defaults(func=_build)
    p = sub.add_parser("serve", help="build, then preview the output on http://127.0.0.1:PORT/")
    building(p)
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-build", action="store_true", help="serve the existing output as it is")
    p.set_defaults(func=_serve)
    return parser
