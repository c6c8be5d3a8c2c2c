"""mlflow.tracking.MlflowClient of the stand-in: the calls scripts make on an explicit run id."""
from .. import _rest
from ..entities import Metric, Run


class MlflowClient:
    def __init__(self, tracking_uri=None):
        if tracking_uri:
            _rest.set_tracking_uri(tracking_uri)

    def get_run(self, run_id):
        return Run((_rest.call("GET", "runs/get", query={"run_id": run_id}) or {}).get("run", {}))

    def get_metric_history(self, run_id, key):
        answer = _rest.call("GET", "metrics/get-history", query={"run_id": run_id, "metric_key": key}) or {}
        return [Metric(m) for m in answer.get("metrics", [])]

    def log_metric(self, run_id, key, value, timestamp=None, step=None):
        import time

        body = {"run_id": run_id, "key": key, "value": float(value), "step": int(step or 0)}
        body["timestamp"] = timestamp or int(time.time() * 1000)
        _rest.call("POST", "runs/log-metric", body)

    def log_param(self, run_id, key, value):
        _rest.call("POST", "runs/log-parameter", {"run_id": run_id, "key": key, "value": str(value)})

    def set_tag(self, run_id, key, value):
        _rest.call("POST", "runs/set-tag", {"run_id": run_id, "key": key, "value": str(value)})

    def set_terminated(self, run_id, status="FINISHED"):
        _rest.call("POST", "runs/update", {"run_id": run_id, "status": status})


__all__ = ["MlflowClient"]
