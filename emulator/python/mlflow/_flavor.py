"""What the model flavors of the stand-in share: autolog is a no-op, models are saved with pickle."""
import os
import pickle


def autolog(*args, **kwargs):
    return None


def save_model(model, path, flavor, **kwargs):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "model.pkl"), "wb") as f:
        pickle.dump(model, f)
    with open(os.path.join(path, "MLmodel"), "w", encoding="utf-8") as f:
        f.write("flavors:\n  %s:\n    pickled_model: model.pkl\n  python_function:\n    loader_module: mlflow.%s\n" % (flavor, flavor))


def log_model(model, artifact_path, flavor, **kwargs):
    # ./outputs/<artifact_path> is uploaded with the job's outputs.
    save_model(model, os.path.join(os.getcwd(), "outputs", artifact_path), flavor)


def load_model(model_uri, **kwargs):
    with open(os.path.join(model_uri, "model.pkl"), "rb") as f:
        return pickle.load(f)
