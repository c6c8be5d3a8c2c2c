"""Runs a parallel step's entry script the way ParallelRunStep does, on this machine.

The entry script's init() runs once, then run(mini_batch) for every mini-batch of the input:
a list of file paths for a folder (mini_batch_size files each), or a pandas DataFrame for an
MLTable or a delimited file (rows of about mini_batch_size bytes). What run() returns is appended
to the append_row_to file (append_row) or dropped (summary_only). Failing mini-batches count
against mini_batch_error_threshold and error_threshold (-1: no limit), as the service counts them.

Usage: parallel_driver.py --entry FILE --input PATH [--mini-batch-size N] [--append-row-to PATH]
       [--error-threshold N] [--mini-batch-error-threshold N] [--] [program arguments...]
"""
import argparse
import importlib.util
import os
import sys
import traceback


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--entry", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--mini-batch-size", type=int, default=1)
    p.add_argument("--append-row-to")
    p.add_argument("--error-threshold", type=int, default=-1)
    p.add_argument("--mini-batch-error-threshold", type=int, default=-1)
    args, rest = p.parse_known_args()
    if rest and rest[0] == "--":
        rest = rest[1:]
    return args, rest


def files_under(path):
    if os.path.isfile(path):
        return [path]
    out = []
    for root, dirs, names in os.walk(path):
        dirs.sort()
        for n in sorted(names):
            out.append(os.path.join(root, n))
    return out


def mltable_paths(folder):
    """The files an MLTable file names (file:, folder:, pattern: entries), relative to it."""
    import glob

    import yaml

    with open(os.path.join(folder, "MLTable")) as f:
        spec = yaml.safe_load(f) or {}
    out = []
    for entry in spec.get("paths", []):
        for kind, value in entry.items():
            target = os.path.join(folder, value)
            if kind == "file":
                out.append(target)
            elif kind == "folder":
                out.extend(files_under(target))
            elif kind == "pattern":
                out.extend(sorted(glob.glob(target, recursive=True)))
    return out


def tabular_batches(paths, size):
    import pandas as pd

    for path in paths:
        frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
        if frame.empty:
            continue
        row_bytes = max(1, os.path.getsize(path) // max(1, len(frame)))
        rows = max(1, size // row_bytes)
        for start in range(0, len(frame), rows):
            yield frame.iloc[start : start + rows]


def batches(path, size):
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "MLTable")):
        yield from tabular_batches(mltable_paths(path), size)
        return
    if os.path.isfile(path) and path.endswith((".csv", ".tsv", ".parquet")):
        yield from tabular_batches([path], size)
        return
    files = files_under(path)
    for start in range(0, len(files), max(1, size)):
        yield files[start : start + size]


def rows_of(result):
    if result is None:
        return []
    if hasattr(result, "to_csv"):
        return result.to_csv(sep=" ", header=False, index=False).splitlines()
    return [str(r) for r in result]


def output_file(target):
    if target.endswith("/") or os.path.isdir(target):
        os.makedirs(target, exist_ok=True)
        return os.path.join(target, "parallel_run_step.txt")
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    return target


def main():
    args, program_args = parse()
    sys.argv = [args.entry] + program_args
    sys.path.insert(0, os.path.dirname(os.path.abspath(args.entry)))
    spec = importlib.util.spec_from_file_location("entry_script", args.entry)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if hasattr(module, "init"):
        module.init()
    out = open(output_file(args.append_row_to), "a") if args.append_row_to else None
    failed_batches = failed_items = done = 0
    for number, batch in enumerate(batches(args.input, args.mini_batch_size)):
        try:
            rows = rows_of(module.run(batch))
            done += 1
        except Exception:  # the service counts a failing mini-batch and goes on
            failed_batches += 1
            failed_items += len(batch)
            print(f"mini-batch {number} failed:\n{traceback.format_exc()}", file=sys.stderr)
            over_batches = 0 <= args.mini_batch_error_threshold < failed_batches
            over_items = 0 <= args.error_threshold < failed_items
            if over_batches or over_items:
                print("error threshold exceeded: the parallel step fails", file=sys.stderr)
                sys.exit(1)
            continue
        if out:
            for row in rows:
                out.write(row + "\n")
    if hasattr(module, "shutdown"):
        module.shutdown()
    if out:
        out.close()
    print(f"parallel run: {done} mini-batches succeeded, {failed_batches} failed")


if __name__ == "__main__":
    main()
