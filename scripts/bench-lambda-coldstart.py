#!/usr/bin/env python3
"""Cold-start timing for a Lambda binary built on the custom runtime (provided.al2023).

Emulates just enough of the AWS Lambda Runtime API on 127.0.0.1 to start the
binary as Lambda would, hand it one API Gateway HTTP API (payload v2) event,
and time how long it takes from process start until it posts the response.
Each run is a fresh process, so every run is a cold start.

    scripts/bench-lambda-coldstart.py target/release/http-artworks 10
    scripts/bench-lambda-coldstart.py BIN 5 --path '/api/artworks?limit=1' --show-logs
    scripts/bench-lambda-coldstart.py BIN 1 --method POST --path /api/auth/register --body '{...}' --expect 201 --body-out out.json
    scripts/bench-lambda-coldstart.py BIN 10 --header 'authorization: Bearer ...' --json-out figures.json

Standard library only, so it runs anywhere python3 does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

API_PREFIX = "/2018-06-01/runtime"
ACCOUNT_ID = "123456789012"
API_ID = "a1b2c3d4e5"
REGION = "us-east-1"
# Configuration the function reads; everything else from the caller's
# environment stays out, as it would on Lambda.
DEFAULT_PASS_ENV = [
    "DATABASE_URL",
    "JWT_SIGNING_KEY_FILE",
    "APP_ENV",
    "LOG_FORMAT",
    "RUST_LOG",
    "RUST_BACKTRACE",
    "QDRANT_URL",
    "PAYMENTS",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_API_BASE",
    "PAYMENTS_WEBHOOK_SECRETS",
]


class Run:
    """What the emulator knows about the current cold start."""

    def __init__(self, request_id: str, event: dict, function_arn: str, expect: set[int]):
        self.request_id = request_id
        self.event = event
        self.function_arn = function_arn
        self.expect = expect
        self.response: dict | None = None
        self.t_start = 0.0
        self.t_next: float | None = None
        self.t_done: float | None = None
        self.error: str | None = None
        self.served = False
        self.finished = threading.Event()
        # Released when the run is over, so a runtime that asks for a second
        # invocation blocks (as on Lambda) instead of spinning.
        self.over = threading.Event()


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.run: Run | None = None


def trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


def make_event(args, request_id: str) -> dict:
    parts = urlsplit(args.path)
    now = dt.datetime.now(dt.timezone.utc)
    host = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
    source_ip = "203.0.113.17"
    user_agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
    body = args.body.encode() if args.body is not None else b""
    headers = {
        "accept": "application/json",
        "accept-encoding": "gzip, deflate, br",
        "accept-language": "en-GB,en;q=0.9",
        "content-length": str(len(body)),
        "host": host,
        "user-agent": user_agent,
        "x-amzn-trace-id": trace_id().split(";")[0],
        "x-forwarded-for": source_ip,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if args.body is not None:
        headers["content-type"] = "application/json"
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep:
            sys.exit(f"--header expects NAME: VALUE, got {item!r}")
        headers[name.strip().lower()] = value.strip()
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": host,
            "domainPrefix": API_ID,
            "http": {
                "method": args.method,
                "path": parts.path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": user_agent,
            },
            "requestId": request_id.replace("-", "")[:16] + "=",
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if args.body is not None:
        event["body"] = args.body
    if parts.query:
        params: dict[str, str] = {}
        for pair in parts.query.split("&"):
            key, _, value = pair.partition("=")
            # API Gateway joins repeated keys with commas.
            params[key] = f"{params[key]},{value}" if key in params else value
        event["queryStringParameters"] = params
    return event


def make_handler(state: State):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # the runtime's chatter is noise here
            pass

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        # Trailers (used by streaming responses) end with a blank line.
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _reply(self, code: int, body: bytes = b"", headers: dict | None = None):
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if body:
                self.wfile.write(body)

        def _accepted(self):
            self._reply(202, b'{"status":"OK"}')

        def do_GET(self):
            if self.path != f"{API_PREFIX}/invocation/next":
                return self._reply(404, b'{"errorMessage":"not found"}')
            with state.lock:
                run = state.run
                first = run is not None and not run.served
                if first:
                    run.served = True
                    run.t_next = time.perf_counter()
            if run is None:
                return self._reply(500, b'{"errorMessage":"no run in progress"}')
            if not first:
                run.over.wait(timeout=600)
                self.close_connection = True
                return
            body = json.dumps(run.event).encode()
            self._reply(
                200,
                body,
                {
                    "Lambda-Runtime-Aws-Request-Id": run.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30_000),
                    "Lambda-Runtime-Invoked-Function-Arn": run.function_arn,
                    "Lambda-Runtime-Trace-Id": trace_id(),
                },
            )

        def do_POST(self):
            body = self._read_body()
            now = time.perf_counter()
            run = state.run
            path = self.path
            if run is None:
                return self._reply(500, b'{"errorMessage":"no run in progress"}')
            if path == f"{API_PREFIX}/init/error":
                self._fail(run, f"init error: {body[:2000].decode(errors='replace')}")
                return self._accepted()
            prefix = f"{API_PREFIX}/invocation/"
            if not path.startswith(prefix):
                return self._reply(404, b'{"errorMessage":"not found"}')
            request_id, _, action = path[len(prefix):].partition("/")
            if request_id != run.request_id:
                self._fail(run, f"response for unknown request id {request_id!r}")
                return self._reply(400, b'{"errorMessage":"unknown request id"}')
            if action == "error":
                self._fail(run, f"invocation error: {body[:2000].decode(errors='replace')}")
                return self._accepted()
            if action != "response":
                return self._reply(404, b'{"errorMessage":"not found"}')
            try:
                response = json.loads(body)
                status = response.get("statusCode")
            except (ValueError, AttributeError):
                response, status = None, None
            if status not in run.expect:
                self._fail(run, f"statusCode {status!r}; body: {body[:2000].decode(errors='replace')}")
            else:
                run.response = response
                run.t_done = now
                run.finished.set()
            self._accepted()

        @staticmethod
        def _fail(run: Run, message: str):
            if run.error is None:
                run.error = message
            run.finished.set()

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Killing the function at the end of each run drops its connections.
        if isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def build_env(args, port: int, function_name: str) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "_HANDLER": "bootstrap",
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(args.memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "1",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{dt.date.today():%Y/%m/%d}/[1]{secrets.token_hex(16)}",
        "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }
    for name in DEFAULT_PASS_ENV + args.pass_env:
        if name in os.environ:
            env[name] = os.environ[name]
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep:
            sys.exit(f"--env expects KEY=VALUE, got {item!r}")
        env[key] = value
    return env


def one_run(args, state: State, port: int, function_name: str, index: int) -> Run:
    request_id = str(uuid.uuid4())
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}"
    run = Run(request_id, make_event(args, request_id), arn, args.expect)
    env = build_env(args, port, function_name)
    with tempfile.TemporaryFile() as output:
        with state.lock:
            state.run = run
        run.t_start = time.perf_counter()
        proc = subprocess.Popen(
            [args.binary], env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            deadline = run.t_start + args.timeout
            while not run.finished.wait(timeout=0.01):
                if proc.poll() is not None:
                    run.error = f"process exited with status {proc.returncode} before responding"
                    break
                if time.perf_counter() > deadline:
                    run.error = f"no response within {args.timeout}s"
                    break
        finally:
            # Lambda tears the sandbox down without ceremony; so do we.
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            run.over.set()
            with state.lock:
                state.run = None
        if run.error or args.show_logs:
            output.seek(0)
            lines = output.read().decode(errors="replace").splitlines()
            tail = lines if args.show_logs else lines[-40:]
            if tail:
                print(f"--- run {index} output ---", file=sys.stderr)
                print("\n".join(tail), file=sys.stderr)
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="Lambda binary (custom runtime bootstrap)")
    parser.add_argument("runs", nargs="?", type=int, default=10, help="number of cold starts (default 10)")
    parser.add_argument("--path", default="/api/health", help="path and query of the request (default /api/health)")
    parser.add_argument("--method", default="GET", help="HTTP method of the request (default GET)")
    parser.add_argument("--body", help="JSON body of the request")
    parser.add_argument("--header", action="append", default=[], metavar="NAME: VALUE", help="extra request header")
    parser.add_argument("--expect", default="200", help="status codes that count as answered, comma-separated (default 200)")
    parser.add_argument("--body-out", metavar="FILE", help="write the last response's body to FILE")
    parser.add_argument("--json-out", metavar="FILE", help="write the figures to FILE as JSON")
    parser.add_argument("--memory", type=int, default=512, help="AWS_LAMBDA_FUNCTION_MEMORY_SIZE (default 512)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait per run (default 30)")
    parser.add_argument("--function-name", help="AWS_LAMBDA_FUNCTION_NAME (default: binary file name)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="extra environment for the function")
    parser.add_argument("--pass-env", action="append", default=[], metavar="NAME", help="also pass this variable through")
    parser.add_argument("--show-logs", action="store_true", help="print the function's output for every run")
    args = parser.parse_args()
    try:
        args.expect = {int(code) for code in args.expect.split(",")}
    except ValueError:
        sys.exit(f"--expect takes status codes, not {args.expect!r}")
    args.method = args.method.upper()

    binary = os.path.abspath(args.binary)
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        sys.exit(f"not an executable file: {args.binary}")
    args.binary = binary
    if args.runs < 1:
        sys.exit("runs must be at least 1")
    function_name = args.function_name or os.path.basename(binary)

    state = State()
    server = Server(("127.0.0.1", 0), make_handler(state))
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    print(f"{function_name}: {args.runs} cold starts, {args.method} {args.path}, runtime API on 127.0.0.1:{port}")
    print(f"  {'run':>3} {'init ms':>9} {'total ms':>9}")
    totals: list[float] = []
    inits: list[float] = []
    failures = 0
    last_response: dict | None = None
    try:
        for i in range(1, args.runs + 1):
            run = one_run(args, state, port, function_name, i)
            init_ms = (run.t_next - run.t_start) * 1000 if run.t_next else None
            init_text = f"{init_ms:9.1f}" if init_ms is not None else f"{'-':>9}"
            if run.error:
                failures += 1
                print(f"  {i:>3} {init_text} {'FAILED':>9}  {run.error.splitlines()[0][:200]}")
                continue
            total_ms = (run.t_done - run.t_start) * 1000
            last_response = run.response
            totals.append(total_ms)
            inits.append(init_ms)
            print(f"  {i:>3} {init_text} {total_ms:9.1f}")
    finally:
        server.shutdown()

    # "init" is process start until the first /next request (Lambda's Init
    # Duration); "total" adds handling the first request, what a caller waits.
    print(f"cold start, process start -> response posted ({len(totals)} of {args.runs} ok)")
    if totals:
        for label, pick in (("min", min), ("median", statistics.median), ("max", max)):
            print(f"  {label:<6} {pick(totals):8.1f} ms   (init {pick(inits):.1f} ms)")
    if args.body_out and last_response is not None:
        with open(args.body_out, "w") as out:
            out.write(last_response.get("body") or "")
    if args.json_out:
        def figures(values: list[float]) -> dict | None:
            if not values:
                return None
            return {"min": min(values), "median": statistics.median(values), "max": max(values)}

        with open(args.json_out, "w") as out:
            json.dump({"function": function_name, "request": f"{args.method} {args.path}", "runs": args.runs,
                       "ok": len(totals), "total_ms": figures(totals), "init_ms": figures(inits)}, out)
    if failures:
        print(f"{failures} run(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
