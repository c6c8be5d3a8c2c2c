"""mlflow.pytorch of the stand-in: autolog() does nothing; models are pickled under ./outputs."""
from .. import _flavor


def autolog(*args, **kwargs):
    return _flavor.autolog(*args, **kwargs)


def save_model(pytorch_model, path, **kwargs):
    _flavor.save_model(pytorch_model, path, "pytorch", **kwargs)


def log_model(pytorch_model, artifact_path, **kwargs):
    _flavor.log_model(pytorch_model, artifact_path, "pytorch", **kwargs)


def load_model(model_uri, **kwargs):
    return _flavor.load_model(model_uri, **kwargs)
