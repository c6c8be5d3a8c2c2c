#!/usr/bin/env python3
"""A local stand-in for the Azure ML inference server (azureml-inference-server-http).

It serves one replica of an online deployment the way the real server does: it imports the
scoring script named by AZUREML_ENTRY_SCRIPT (relative to AML_APP_ROOT), calls init() once, then
answers GET / (liveness) and POST /score, which calls run() with the raw request body as text.
A str from run() goes back as it is, anything else as JSON; an exception in run() answers 500.

Settings come from the environment: WORKER_COUNT (run() calls at once), AMLOPS_CPU_THROTTLE
(busy time factor, >= 1), AMLOPS_MEMORY_LIMIT_MB (address-space limit) and AMLOPS_PORT
(0 picks a free one). When ready it prints "AMLOPS_SCORING_READY <port>" on stdout; when the
script fails to load it prints "AMLOPS_SCORING_INIT_FAILED <error>" and exits with status 1.
Only the standard library is used, so any python3 can run it.
"""

import datetime
import importlib.util
import json
import os
import resource
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

READY = "AMLOPS_SCORING_READY"
INIT_FAILED = "AMLOPS_SCORING_INIT_FAILED"


def log(level, message):
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
    print(f"{stamp} {level} [{os.getpid()}] azmlinfsrv - {message}", flush=True)


def limit_memory():
    raw = os.environ.get("AMLOPS_MEMORY_LIMIT_MB")
    if not raw:
        return
    limit = int(float(raw)) * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError) as e:
        log("W", f"could not limit memory to {raw} MB: {e}")


def load_script():
    root = os.environ.get("AML_APP_ROOT", os.getcwd())
    entry = os.environ["AZUREML_ENTRY_SCRIPT"]
    path = entry if os.path.isabs(entry) else os.path.join(root, entry)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"The scoring script {entry} was not found in the code folder {root}")
    for folder in (os.path.dirname(path), root):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    for fn in ("init", "run"):
        if not callable(getattr(module, fn, None)):
            raise AttributeError(f"The scoring script {entry} must define a function {fn}()")
    return module


class Scorer:
    def __init__(self, module, workers, throttle):
        self.module = module
        self.slots = threading.BoundedSemaphore(max(1, workers))
        self.throttle = max(1.0, throttle)

    def score(self, body):
        with self.slots:
            started = time.thread_time()
            try:
                return self.module.run(body)
            finally:
                # A slower machine would have needed this much longer; the worker stays busy meanwhile.
                used = time.thread_time() - started
                if self.throttle > 1 and used > 0:
                    time.sleep(used * (self.throttle - 1))


def encode(result):
    if isinstance(result, (bytes, bytearray)):
        return bytes(result), "application/octet-stream"
    if isinstance(result, str):
        return result.encode("utf-8"), "application/json"
    return json.dumps(result, default=str).encode("utf-8"), "application/json"


def make_handler(scorer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "azmlinfsrv-local/1.0"
        # Headers and body go out in separate writes; with Nagle on, each answer waits for a delayed ACK.
        disable_nagle_algorithm = True

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass  # one line per request would flood the container log under load

        def reply(self, status, payload, content_type, extra=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            request_id = self.headers.get("x-ms-request-id") or self.headers.get("x-request-id")
            if request_id:
                self.send_header("x-ms-request-id", request_id)
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            path = self.path.split("?")[0].rstrip("/")
            if path in ("", "/score"):
                self.reply(200, b"Healthy", "text/plain; charset=utf-8")
            else:
                self.reply(404, b"Not Found", "text/plain; charset=utf-8")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.split("?")[0].rstrip("/") != "/score":
                self.reply(404, b"Not Found", "text/plain; charset=utf-8")
                return
            try:
                result = scorer.score(raw.decode("utf-8", errors="replace"))
            except Exception as e:  # the user's run() failed: the server stays up and says so
                log("E", "Encountered Exception: " + traceback.format_exc().rstrip())
                message = (
                    "An unexpected error occurred in scoring script. Check the logs for more info. "
                    f"{type(e).__name__}: {e}"
                )
                self.reply(500, message.encode("utf-8"), "text/plain; charset=utf-8",
                           {"x-ms-run-function-failed": "True"})
                return
            payload, content_type = encode(result)
            self.reply(200, payload, content_type, {"x-ms-run-function-failed": "False"})

    return Handler


def exit_with_parent():
    """Ends this server when the emulator that started it is gone, however it ended (even SIGKILL)."""
    parent = int(os.environ.get("AMLOPS_PARENT_PID", "0") or 0)
    if not parent:
        return

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main():
    exit_with_parent()
    workers = int(os.environ.get("WORKER_COUNT", "1"))
    throttle = float(os.environ.get("AMLOPS_CPU_THROTTLE", "1"))
    port = int(os.environ.get("AMLOPS_PORT", "0"))
    # Many keep-alive connections mean many threads; small stacks keep them inside the memory limit.
    threading.stack_size(1024 * 1024)
    limit_memory()
    log("I", f"Starting inference server: entry script {os.environ.get('AZUREML_ENTRY_SCRIPT')}, "
             f"{workers} worker(s), model dir {os.environ.get('AZUREML_MODEL_DIR', '(none)')}")
    try:
        module = load_script()
        log("I", "Calling init() of the scoring script")
        module.init()
    except BaseException as e:  # noqa: B036 - SystemExit from a script is a failed start too
        sys.stderr.write(traceback.format_exc())
        sys.stderr.flush()
        print(f"{INIT_FAILED} {type(e).__name__}: {e}".replace("\n", " "), flush=True)
        sys.exit(1)
    log("I", "init() completed; scoring requests at /score")
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(Scorer(module, workers, throttle)))
    server.daemon_threads = True
    print(f"{READY} {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
