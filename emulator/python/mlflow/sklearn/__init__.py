"""mlflow.sklearn of the stand-in: autolog() does nothing; models are pickled under ./outputs."""
from .. import _flavor


def autolog(*args, **kwargs):
    return _flavor.autolog(*args, **kwargs)


def save_model(sk_model, path, **kwargs):
    _flavor.save_model(sk_model, path, "sklearn", **kwargs)


def log_model(sk_model, artifact_path, **kwargs):
    _flavor.log_model(sk_model, artifact_path, "sklearn", **kwargs)


def load_model(model_uri, **kwargs):
    return _flavor.load_model(model_uri, **kwargs)
