"""A small stand-in for MLflow's tracking API, put on PYTHONPATH by the local Azure ML emulator
only when the machine's python3 has no `mlflow`. It logs to the emulator's MLflow REST API (the
job's MLFLOW_TRACKING_URI, MLFLOW_RUN_ID and MLFLOW_TRACKING_TOKEN), so training scripts that log
metrics, parameters and tags run unchanged. Autologging is a no-op; artifacts are copied under
./outputs, which the job uploads with its other outputs.
"""
import os
import shutil
import time

from . import _rest
from ._rest import MlflowException, set_tracking_uri
from .entities import Experiment, Metric, Run

__version__ = "2.0.0+amlops.emulator"

_active = []  # stack of ActiveRun
_experiment_id = None


def get_tracking_uri():
    return _rest.tracking_uri()


def _now_ms():
    return int(time.time() * 1000)


class ActiveRun(Run):
    """The run start_run() returns; leaving its `with` block ends it."""

    def __init__(self, run, owned):
        super().__init__(run)
        self._owned = owned

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        end_run("FAILED" if exc_type else "FINISHED")
        return False


def _fetch_run(run_id):
    answer = _rest.call("GET", "runs/get", query={"run_id": run_id})
    return (answer or {}).get("run", {"info": {"run_id": run_id}, "data": {}})


def start_run(run_id=None, experiment_id=None, run_name=None, nested=False, tags=None, description=None):
    """Resumes the job's run (MLFLOW_RUN_ID) or starts a new one; nested runs get a parent tag."""
    if _active and not nested:
        raise MlflowException(
            "Run with UUID %s is already active. To start a nested run, call start_run with nested=True"
            % _active[-1].info.run_id
        )
    env_run = os.environ.get("MLFLOW_RUN_ID")
    if run_id is None and not _active and env_run:
        run_id = env_run
    if run_id is not None:
        active = ActiveRun(_fetch_run(run_id), owned=False)
    else:
        all_tags = dict(tags or {})
        if _active:
            all_tags["mlflow.parentRunId"] = _active[-1].info.run_id
        if run_name:
            all_tags["mlflow.runName"] = run_name
        if description:
            all_tags["mlflow.note.content"] = description
        exp = experiment_id or _experiment_id or os.environ.get("MLFLOW_EXPERIMENT_ID") or "0"
        answer = _rest.call(
            "POST",
            "runs/create",
            {
                "experiment_id": exp,
                "start_time": _now_ms(),
                "run_name": run_name,
                "tags": [{"key": k, "value": str(v)} for k, v in all_tags.items()],
            },
        )
        run = (answer or {}).get("run") or {"info": {"run_id": "local-%d" % _now_ms()}, "data": {}}
        active = ActiveRun(run, owned=True)
    _active.append(active)
    return active


def active_run():
    return _active[-1] if _active else None


def last_active_run():
    return active_run()


def end_run(status="FINISHED"):
    if not _active:
        return
    run = _active.pop()
    _rest.call("POST", "runs/update", {"run_id": run.info.run_id, "status": status, "end_time": _now_ms()})


def _run_id():
    if not _active:
        start_run()
    return _active[-1].info.run_id


def log_metric(key, value, step=None, timestamp=None):
    _rest.call(
        "POST",
        "runs/log-metric",
        {
            "run_id": _run_id(),
            "key": key,
            "value": float(value),
            "timestamp": timestamp or _now_ms(),
            "step": int(step or 0),
        },
    )


def log_metrics(metrics, step=None):
    now = _now_ms()
    batch = [{"key": k, "value": float(v), "timestamp": now, "step": int(step or 0)} for k, v in metrics.items()]
    _rest.call("POST", "runs/log-batch", {"run_id": _run_id(), "metrics": batch})


def log_param(key, value):
    _rest.call("POST", "runs/log-parameter", {"run_id": _run_id(), "key": key, "value": str(value)})
    return value


def log_params(params):
    batch = [{"key": k, "value": str(v)} for k, v in params.items()]
    _rest.call("POST", "runs/log-batch", {"run_id": _run_id(), "params": batch})


def set_tag(key, value):
    _rest.call("POST", "runs/set-tag", {"run_id": _run_id(), "key": key, "value": str(value)})


def set_tags(tags):
    batch = [{"key": k, "value": str(v)} for k, v in tags.items()]
    _rest.call("POST", "runs/log-batch", {"run_id": _run_id(), "tags": batch})


def get_run(run_id):
    return Run(_fetch_run(run_id))


def get_experiment_by_name(name):
    try:
        answer = _rest.call("GET", "experiments/get-by-name", query={"experiment_name": name})
    except MlflowException as e:
        if e.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    return Experiment(answer["experiment"]) if answer else None


def create_experiment(name, artifact_location=None, tags=None):
    body = {"name": name, "tags": [{"key": k, "value": str(v)} for k, v in (tags or {}).items()]}
    answer = _rest.call("POST", "experiments/create", body)
    return (answer or {}).get("experiment_id")


def set_experiment(experiment_name=None, experiment_id=None):
    global _experiment_id
    if experiment_id is not None:
        _experiment_id = experiment_id
        return Experiment({"experiment_id": experiment_id})
    exp = get_experiment_by_name(experiment_name)
    _experiment_id = exp.experiment_id if exp else create_experiment(experiment_name)
    return exp or Experiment({"experiment_id": _experiment_id, "name": experiment_name})


def autolog(*args, **kwargs):
    """Autologging needs the real MLflow; the stand-in accepts the call and logs nothing."""
    return None


def _artifact_dir(artifact_path):
    # ./outputs is uploaded with the job's other outputs, as Azure ML does with it.
    target = os.path.join(os.getcwd(), "outputs", artifact_path or "")
    os.makedirs(target, exist_ok=True)
    return target


def log_artifact(local_path, artifact_path=None):
    shutil.copy2(local_path, _artifact_dir(artifact_path))


def log_artifacts(local_dir, artifact_path=None):
    shutil.copytree(local_dir, _artifact_dir(artifact_path), dirs_exist_ok=True)


def log_text(text, artifact_file):
    target = os.path.join(_artifact_dir(os.path.dirname(artifact_file)), os.path.basename(artifact_file))
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


def log_dict(dictionary, artifact_file):
    import json

    log_text(json.dumps(dictionary, indent=2), artifact_file)


__all__ = [
    "ActiveRun",
    "MlflowException",
    "Metric",
    "active_run",
    "autolog",
    "create_experiment",
    "end_run",
    "get_experiment_by_name",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_text",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]
