"""The REST calls of the stand-in: MLflow's tracking API as the workspace serves it.

Only the Python standard library is used, so the stand-in works on any machine with python3.
"""
import json
import os
import ssl
import urllib.error
import urllib.request

_tracking_uri = None


def tracking_uri():
    uri = _tracking_uri or os.environ.get("MLFLOW_TRACKING_URI", "")
    # azureml://<host>/mlflow/v1.0/... is served over https at the same path.
    if uri.startswith("azureml://"):
        uri = "https://" + uri[len("azureml://"):]
    return uri.rstrip("/").split("?")[0]


def set_tracking_uri(uri):
    global _tracking_uri
    _tracking_uri = uri


class MlflowException(Exception):
    """What MLflow raises when the tracking server refuses a call."""

    def __init__(self, message, error_code="INTERNAL_ERROR"):
        super().__init__(message)
        self.error_code = error_code


def _context():
    if os.environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").lower() == "true":
        return ssl._create_unverified_context()  # the user asked for it, as with real MLflow
    cafile = os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH") or os.environ.get("REQUESTS_CA_BUNDLE")
    return ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()


def call(method, endpoint, body=None, query=None):
    """Calls <tracking uri>/api/2.0/mlflow/<endpoint>; returns the JSON answer, or None without a server."""
    base = tracking_uri()
    if not base.startswith("http"):
        return None
    url = base + "/api/2.0/mlflow/" + endpoint
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    data = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    last = None
    for _attempt in range(3):
        try:
            with urllib.request.urlopen(request, context=_context(), timeout=30) as response:
                text = response.read().decode("utf-8")
                return json.loads(text) if text else {}
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                detail = json.loads(text)
            except ValueError:
                detail = {"message": text}
            if e.code >= 500 or e.code == 429:
                last = MlflowException(detail.get("message", text), detail.get("error_code", "INTERNAL_ERROR"))
                continue
            raise MlflowException(detail.get("message", text), detail.get("error_code", "INVALID_PARAMETER_VALUE"))
        except urllib.error.URLError as e:
            last = MlflowException("cannot reach the tracking server at %s: %s" % (base, e.reason))
    raise last
