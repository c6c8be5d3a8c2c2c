"""Small versions of MLflow's run objects: enough for run.info.run_id and run.data.metrics."""


class RunInfo:
    def __init__(self, info):
        self.run_id = info.get("run_id") or info.get("run_uuid")
        self.run_uuid = self.run_id
        self.experiment_id = info.get("experiment_id")
        self.run_name = info.get("run_name")
        self.status = info.get("status")
        self.start_time = info.get("start_time")
        self.end_time = info.get("end_time")
        self.artifact_uri = info.get("artifact_uri")
        self.lifecycle_stage = info.get("lifecycle_stage", "active")


class RunData:
    def __init__(self, data):
        self.metrics = {m["key"]: m["value"] for m in data.get("metrics", [])}
        self.params = {p["key"]: p["value"] for p in data.get("params", [])}
        self.tags = {t["key"]: t["value"] for t in data.get("tags", [])}


class Run:
    def __init__(self, run):
        self.info = RunInfo(run.get("info", {}))
        self.data = RunData(run.get("data", {}))


class Metric:
    def __init__(self, m):
        self.key = m["key"]
        self.value = m["value"]
        self.timestamp = m.get("timestamp")
        self.step = m.get("step", 0)


class Experiment:
    def __init__(self, e):
        self.experiment_id = e.get("experiment_id")
        self.name = e.get("name")
        self.artifact_location = e.get("artifact_location")
        self.lifecycle_stage = e.get("lifecycle_stage", "active")
        self.tags = {t["key"]: t["value"] for t in e.get("tags", [])}
