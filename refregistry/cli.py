"""``refregistry serve`` and ``refregistry faults``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys
from pathlib import Path

from aiohttp import web

from . import __version__, versions
from .app import make_app
from .config import ConfigError
from .configfile import load_config
from .faults import CATALOGUE, Faults, UnknownFault, catalogue_json

ACCESS_LOG = '%a "%r" %s %b %Tfs'


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def _artifactory_version(value: str) -> str:
    try:
        versions.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="refregistry", description=__doc__)
    parser.add_argument("--version", action="version", version=f"refregistry {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the registry")
    serve.add_argument(
        "--listen",
        type=_listen,
        default=("127.0.0.1", 8082),
        metavar="HOST:PORT",
        help="address to listen on; port 0 picks a free one (default 127.0.0.1:8082)",
    )
    serve.add_argument("--data", type=Path, required=True, help="data directory (created if missing)")
    serve.add_argument(
        "--config",
        type=Path,
        help="YAML configuration (default: admin/password, docker-local, docker-dev-local, docker-prod-local)",
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="start with this fault switched on (repeatable; see `refregistry faults`)",
    )
    serve.add_argument(
        "--fault-control",
        action="store_true",
        help="let an admin switch faults and reset all content at run time (/artifactory/api/refregistry/)",
    )
    serve.add_argument(
        "--artifactory-version",
        type=_artifactory_version,
        default=versions.CURRENT,
        metavar="X.Y.Z",
        help=f"behave as this Artifactory version does, where the documentation ties a behaviour to a version "
        f"(default {versions.CURRENT}; {versions.OLDEST} or later)",
    )
    serve.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate chain (PEM)")
    serve.add_argument("--tls-key", type=Path, help="private key of --tls-cert (PEM)")
    serve.add_argument("--quiet", action="store_true", help="no access log")
    faults = sub.add_parser("faults", help="list the fault catalogue")
    faults.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _ssl_context(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ConfigError("--tls-cert and --tls-key go together")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"TLS certificate {cert}: {exc}") from None
    return context


async def _serve(args: argparse.Namespace) -> None:
    config = load_config(args.config, os.environ)
    tls = _ssl_context(args.tls_cert, args.tls_key)
    try:
        app = make_app(
            config,
            args.data,
            Faults(args.fault),
            fault_control=args.fault_control,
            artifactory_version=args.artifactory_version,
        )
    except OSError as exc:
        raise ConfigError(f"data directory {args.data}: {exc.strerror or exc}") from None
    runner = web.AppRunner(
        app,
        access_log=None if args.quiet else logging.getLogger("refregistry.access"),
        access_log_format=ACCESS_LOG,
        handler_cancellation=True,
    )
    await runner.setup()
    host, port = args.listen
    site = web.TCPSite(runner, host, port, ssl_context=tls, backlog=512)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    scheme = "https" if tls else "http"
    faults = ", ".join(args.fault) or "none"
    # Harnesses wait for this exact line (and read the port from it when --listen used port 0).
    print(
        f"refregistry {__version__} listening on {scheme}://{host}:{bound} data={args.data} faults={faults} "
        f"artifactory={args.artifactory_version}",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def _print_faults(as_json: bool) -> None:
    if as_json:
        print(json.dumps(catalogue_json(), indent=2))
        return
    width = max(len(f.name) for f in CATALOGUE)
    for fault in CATALOGUE:
        print(f"{fault.name:<{width}}  {fault.summary}  [caught by: {', '.join(fault.checks)}]")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "faults":
        _print_faults(args.json)
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    try:
        asyncio.run(_serve(args))
    except (ConfigError, UnknownFault) as exc:
        print(f"refregistry: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"refregistry: cannot listen on {args.listen[0]}:{args.listen[1]}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0
