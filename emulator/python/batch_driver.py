"""Runs a scoring script over input files the way Azure ML batch deployments and parallel jobs do.

The entry script defines init() (called once) and run(mini_batch) (called for each mini-batch, a
list of file paths). What run() returns is a list (one output row per element) or a pandas
DataFrame (one row per DataFrame row). With --output-action append_row the rows of all mini-batches
are written to one file (--output-file-name) in the output folder; with summary_only only counts are
kept. A mini-batch whose run() raises is retried (--max-retries); its files then count as failed,
and the job fails once more files failed than --error-threshold allows (-1: never).

Exit status: 0 when the run completed, 1 when init() failed or the error threshold was passed, 2
for a usage error. The last line on stderr says why.
"""

import argparse
import importlib.util
import logging
import os
import sys
import time
import traceback


def parse_args(argv):
    p = argparse.ArgumentParser(prog="batch_driver")
    p.add_argument("--scoring-script", help="entry script, relative to the working directory (the code)")
    p.add_argument("--model-dir", help="folder (or file) of the model; becomes AZUREML_MODEL_DIR")
    p.add_argument("--model-type", default="custom_model")
    p.add_argument("--input", action="append", required=True, help="input file or folder (repeatable)")
    p.add_argument("--output", required=True, help="output folder")
    p.add_argument("--output-action", choices=["append_row", "summary_only"], default="append_row")
    p.add_argument("--output-file-name", default="predictions.csv")
    p.add_argument("--mini-batch-size", type=int, default=10)
    p.add_argument("--error-threshold", type=int, default=-1)
    p.add_argument("--max-retries", type=int, default=3)
    p.add_argument("--timeout", type=float, default=30, help="seconds per mini-batch (reported, not enforced)")
    p.add_argument("--logging-level", default="Info")
    return p.parse_args(argv)


def fail(message, code=1):
    sys.stdout.flush()
    sys.stderr.write(message.rstrip() + "\n")
    sys.stderr.flush()
    sys.exit(code)


def input_files(paths):
    files = []
    for given in paths:
        if os.path.isfile(given):
            files.append(given)
            continue
        if not os.path.isdir(given):
            fail("input %s does not exist" % given, 2)
        found = []
        for root, dirs, names in os.walk(given):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(os.path.join(root, n) for n in names if not n.startswith("."))
        files.extend(sorted(found))
    return files


def load_entry_script(script):
    path = os.path.abspath(script)
    if not os.path.isfile(path):
        fail("the scoring script %s is not in the deployment's code" % script, 2)
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # noqa: BLE001 - any error of the user's module is reported the same way
        traceback.print_exc(file=sys.stdout)
        fail("loading the scoring script %s failed: %s: %s" % (script, type(e).__name__, e))
    if not callable(getattr(module, "run", None)):
        fail("the scoring script %s has no run(mini_batch) function" % script, 2)
    return module


class MlflowEntry:
    """The scoring an MLflow model gets when the deployment has no scoring script: each CSV file is
    predicted with mlflow.pyfunc and each prediction becomes a row `file,prediction`."""

    def init(self):
        try:
            import mlflow.pyfunc  # noqa: F401
            import pandas  # noqa: F401
        except ImportError:
            fail("an MLflow deployment without a scoring script needs mlflow and pandas on this machine; add a scoring script (code_configuration) or install them")
        import mlflow.pyfunc
        self.model = mlflow.pyfunc.load_model(os.environ["AZUREML_MODEL_DIR"])

    def run(self, mini_batch):
        import pandas as pd
        rows = []
        for f in mini_batch:
            data = pd.read_csv(f)
            for prediction in list(self.model.predict(data)):
                rows.append({"file": os.path.basename(f), "prediction": prediction})
        return pd.DataFrame(rows)


def result_rows(result):
    if result is None:
        raise TypeError("run() returned None; return a list or a pandas DataFrame")
    to_csv = getattr(result, "to_csv", None)
    if callable(to_csv) and hasattr(result, "columns"):
        text = result.to_csv(header=False, index=False, sep=" ")
        return [line for line in text.splitlines() if line != ""]
    if isinstance(result, (str, bytes)):
        raise TypeError("run() returned a single string; return a list with one element per row")
    return [str(item) for item in result]


def main(argv):
    args = parse_args(argv)
    level = {"debug": logging.DEBUG, "warning": logging.WARNING}.get(args.logging_level.lower(), logging.INFO)
    logging.basicConfig(stream=sys.stdout, level=level, format="%(asctime)s %(levelname)s %(message)s")
    log = logging.getLogger("batch_driver")
    if args.mini_batch_size < 1:
        fail("--mini-batch-size must be at least 1", 2)
    if args.model_dir:
        os.environ["AZUREML_MODEL_DIR"] = os.path.abspath(args.model_dir)
    os.environ.setdefault("AZUREML_BI_OUTPUT_PATH", os.path.abspath(args.output))
    files = input_files(args.input)
    batches = [files[i : i + args.mini_batch_size] for i in range(0, len(files), args.mini_batch_size)]
    log.info("%d input files in %d mini-batches of up to %d", len(files), len(batches), args.mini_batch_size)

    if args.scoring_script:
        entry = load_entry_script(args.scoring_script)
    elif args.model_type == "mlflow_model":
        entry = MlflowEntry()
    else:
        fail("the deployment has no scoring script; only MLflow models can be scored without one", 2)

    if callable(getattr(entry, "init", None)):
        try:
            entry.init()
        except SystemExit:
            raise
        except Exception as e:  # noqa: BLE001
            traceback.print_exc(file=sys.stdout)
            fail("init() failed: %s: %s" % (type(e).__name__, e))

    rows = []
    succeeded = failed = 0
    started = time.time()
    for index, batch in enumerate(batches):
        for attempt in range(args.max_retries + 1):
            try:
                begun = time.time()
                produced = result_rows(entry.run(list(batch)))
                rows.extend(produced)
                succeeded += len(batch)
                log.info(
                    "mini-batch %d/%d: %d files, %d rows (%.2fs)",
                    index + 1, len(batches), len(batch), len(produced), time.time() - begun,
                )
                break
            except Exception as e:  # noqa: BLE001
                last = "%s: %s" % (type(e).__name__, e)
                traceback.print_exc(file=sys.stdout)
                if attempt < args.max_retries:
                    log.warning("mini-batch %d failed (attempt %d of %d): %s", index + 1, attempt + 1, args.max_retries + 1, last)
                    continue
                failed += len(batch)
                log.error("mini-batch %d failed after %d attempts: %s", index + 1, attempt + 1, last)
                if args.error_threshold != -1 and failed > args.error_threshold:
                    fail(
                        "error threshold passed: %d of %d files failed (error_threshold %d). Last error: %s"
                        % (failed, len(files), args.error_threshold, last)
                    )

    os.makedirs(args.output, exist_ok=True)
    if args.output_action == "append_row":
        target = os.path.join(args.output, args.output_file_name)
        with open(target, "w", encoding="utf-8") as out:
            for row in rows:
                out.write(row + "\n")
        log.info("wrote %d rows to %s", len(rows), args.output_file_name)
    print(
        "Batch scoring done in %.1fs: %d files, %d mini-batches, %d files succeeded, %d failed"
        % (time.time() - started, len(files), len(batches), succeeded, failed)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
