/**
 * The files `amlops init` writes, as text. %%PROJECT%%, %%MODEL%% and %%REGISTRY%% are filled in
 * by the scaffold; notebooks are built in notebooks.ts. Kept as strings so the CLI bundle carries them.
 */
export type Ci = 'github' | 'azure-devops';

export interface TemplateFile {
  /** Written only for this CI choice; always when omitted. */
  ci?: Ci;
  text: string;
}

/**
 * What each environment has in .cloud/<env>/: the workspace file, online and batch endpoints and
 * deployments. Only names and the model reference differ: dev deploys the workspace's newest
 * version, prod the copy promoted to the registry.
 */
function environmentFiles(env: 'dev' | 'prod', model: string): Record<string, TemplateFile> {
  return {
    [`.cloud/${env}.yml`]: {
      text: `# The ${env} workspace: what \`environment: ${env}\` resolves to in every amlops step.
# Fill in your own ids; the identity comes from the CI (GitHub environment variables, or the
# Azure DevOps service connection), never from this file.
subscription_id: 00000000-0000-0000-0000-000000000000
resource_group: rg-%%PROJECT%%-${env}
workspace_name: mlw-%%PROJECT%%-${env}
`,
    },
    [`.cloud/${env}/batch-deployment.yml`]: {
      text: `$schema: https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json
name: default
endpoint_name: %%PROJECT%%-batch-${env}
type: model
model: ${model}
code_configuration:
  code: ../../code/score
  scoring_script: score.py
environment:
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
  conda_file: ../../code/score/environment.yml
compute: azureml:cpu-cluster
resources:
  instance_count: 1
mini_batch_size: 10
output_action: append_row
output_file_name: predictions.csv
`,
    },
    [`.cloud/${env}/batch-endpoint.yml`]: {
      text: `$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json
name: %%PROJECT%%-batch-${env}
`,
    },
    [`.cloud/${env}/deployment.yml`]: {
      text: `$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
# A new deployment of the model, rolled out by deploy-online at 0% traffic first. The pipeline
# templates name it model-v<version> per model version (a canary beside the live one); this name
# is used when the deployment is run by hand without one.
name: blue
endpoint_name: %%PROJECT%%-${env}
model: ${model}
code_configuration:
  code: ../../code/score
  scoring_script: score.py
environment:
  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
  conda_file: ../../code/score/environment.yml
instance_type: Standard_DS3_v2
instance_count: 1
`,
    },
    [`.cloud/${env}/endpoint.yml`]: {
      text: `$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
name: %%PROJECT%%-${env}
auth_mode: key
`,
    },
  };
}

export const templateFiles: Record<string, TemplateFile> = {
  '.ado/azure-pipelines.yml': {
    ci: 'azure-devops',
    text: `# Dev-to-prod pipeline of %%PROJECT%%: the amlops stage templates (see docs/ci.md).
# Needs the amlops extension (tasks Aml*@1), service connections ml-dev and ml-prod, environments dev and prod.
trigger:
  branches:
    include: [main]
  paths:
    include: [code, pipelines, .cloud]

resources:
  repositories:
    # The templates, pinned to a release tag (or a commit: ref: refs/heads/main plus a commit in
    # the repository settings); see docs/pipeline-templates.md.
    - repository: amlops
      type: github
      name: OWNER/amlops
      ref: refs/tags/v1
      endpoint: github

stages:
  - template: pipeline-templates/azure-pipelines/stages/train.yml@amlops
    parameters:
      stageName: Train
      azureSubscription: ml-dev
      environment: dev
      modelName: %%MODEL%%
      gateMetric: accuracy
      onWorse: skip

  - template: pipeline-templates/azure-pipelines/stages/deploy-online.yml@amlops
    parameters:
      stageName: DeployDev
      dependsOn: [Train]
      condition: and(succeeded(), ne(dependencies.Train.outputs['Train.register.modelId'], ''))
      azureSubscription: ml-dev
      environment: dev
      model: $[ stageDependencies.Train.Train.outputs['register.modelId'] ]
      modelVersion: $[ stageDependencies.Train.Train.outputs['register.modelVersion'] ]

  - template: pipeline-templates/azure-pipelines/stages/promote.yml@amlops
    parameters:
      stageName: Promote
      dependsOn: [Train, DeployDev]
      condition: and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'))
      azureSubscription: ml-prod
      model: $[ stageDependencies.Train.Train.outputs['register.modelId'] ]
      registry: %%REGISTRY%%
      sourceEnvironment: dev
      environment: prod

  - template: pipeline-templates/azure-pipelines/stages/batch-score.yml@amlops
    parameters:
      stageName: BatchScore
      dependsOn: [Promote]
      azureSubscription: ml-prod
      environment: prod
      input: data/sample.csv
`,
  },
  '.cloud/smoke-cases.yml': {
    text: `# Requests every rollout checks (deploy-online before and during the traffic shift, smoke-test
# after it), in the smoke-test format. Add a case for each behaviour users rely on.
- name: one positive and one negative row
  body: {"data": [[3.5, 1.8], [0.1, 0.1]]}
  expect:
    status: 200
    json: [{"label": 1}, {"label": 0}]
    max_latency_ms: 5000
`,
  },
  '.cloud/compute/cpu-cluster.yml': {
    text: `$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: cpu-cluster
type: amlcompute
size: Standard_DS3_v2
min_instances: 0
max_instances: 2
idle_time_before_scale_down: 120
`,
  },
  ...environmentFiles('dev', 'azureml:%%MODEL%%@latest'),
  '.cloud/model.yml': {
    text: `$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json
# The model as register-model records it (the train pipeline's \`model\` output fills in the path).
name: %%MODEL%%
type: custom_model
description: Logistic regression on x1, x2 (JSON weights), trained by pipelines/train.yml.
tags:
  project: %%PROJECT%%
`,
  },
  ...environmentFiles('prod', 'azureml://registries/%%REGISTRY%%/models/%%MODEL%%/labels/latest'),
  '.github/CODEOWNERS': {
    ci: 'github',
    text: `# Changes to what reaches Azure need the platform team; the rest the project's data scientists.
# Replace the teams with yours, and require code-owner review on main in the branch protection.
*               @OWNER/%%PROJECT%%-data-science
/.cloud/        @OWNER/ml-platform
/.github/       @OWNER/ml-platform
/.ado/          @OWNER/ml-platform
/pipelines/     @OWNER/ml-platform @OWNER/%%PROJECT%%-data-science
`,
  },
  '.github/workflows/ml-pipeline.yml': {
    ci: 'github',
    text: `# Dev-to-prod pipeline of %%PROJECT%%: the amlops reusable workflows (see docs/ci.md).
# Pin the templates: replace @v1 with a release tag or commit of the repository that holds them.
name: ml-pipeline

on:
  push:
    branches: [main]
    paths: [code/**, pipelines/**, .cloud/**]
  workflow_dispatch:

permissions:
  id-token: write
  contents: read

jobs:
  train:
    uses: OWNER/amlops/.github/workflows/train.yml@v1
    with:
      environment: dev
      model-name: %%MODEL%%
      gate-metric: accuracy
      gate-goal: maximize

  deploy-dev:
    needs: train
    if: needs.train.outputs.model-id != ''
    uses: OWNER/amlops/.github/workflows/deploy-online.yml@v1
    with:
      environment: dev
      model: \${{ needs.train.outputs.model-id }}
      model-version: \${{ needs.train.outputs.model-version }}

  promote:
    needs: [train, deploy-dev]
    uses: OWNER/amlops/.github/workflows/promote.yml@v1
    with:
      model: \${{ needs.train.outputs.model-id }}
      registry: %%REGISTRY%%
      source-environment: dev
      target-environment: prod

  batch-score:
    needs: promote
    uses: OWNER/amlops/.github/workflows/batch-score.yml@v1
    with:
      environment: prod
      input: data/sample.csv
`,
  },
  '.github/workflows/tests.yml': {
    ci: 'github',
    text: `# Unit tests of code/ on every pull request (the emulator integration test skips without amlops).
name: tests

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

jobs:
  unit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: python -m unittest discover -s tests -v
`,
  },
  '.gitignore': {
    text: `__pycache__/
*.pyc
.ipynb_checkpoints/
.venv/
outputs/
mlruns/
`,
  },
  'README.md': {
    text: `# %%PROJECT%%

A data-science project on Azure Machine Learning, laid out the standard amlops way.

| folder | what it holds |
|---|---|
| \`.cloud/\` | per-environment workspaces (\`dev.yml\`, \`prod.yml\`), compute, model, online and batch endpoint and deployment definitions (az ml YAML) |
| \`.github/\` / \`.ado/\` | the CI pipeline calling the amlops templates: train in dev, deploy to dev, promote to prod after approval, batch score |
| \`code/\` | the steps \`prep\`, \`train\`, \`evaluate\`, \`score\`, each with its conda environment (\`environment.yml\`) |
| \`data/\` | a tiny sample dataset, so everything runs on a laptop |
| \`pipelines/\` | the Azure ML training pipeline (prep → train → evaluate) |
| \`tests/\` | unit tests of \`code/\` and an integration test running the pipeline on the amlops emulator |
| \`notebooks/<person>/\` | each person's exploration notebooks |
| \`docs/\` | how the project is trained, deployed and promoted |

## Quick start

\`\`\`sh
python3 -m unittest discover -s tests      # unit tests (+ the emulator test when amlops is installed)
npx amlops submit-job --file pipelines/train.yml --environment dev   # train in the dev workspace
\`\`\`

See [docs/getting-started.md](docs/getting-started.md) and [docs/ci.md](docs/ci.md).
`,
  },
  'code/evaluate/environment.yml': {
    text: `# Conda environment of the evaluate step (Azure ML builds it on top of the image named in the job YAML).
name: evaluate
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
      - mlflow-skinny
      - azureml-mlflow
`,
  },
  'code/evaluate/evaluate.py': {
    text: `"""Evaluate step: accuracy of the trained model on the test set.

The metric is logged to this step's run and, inside an Azure ML pipeline, to the pipeline run too,
so the pipeline job carries the metric the registration gate compares.
"""
import argparse
import csv
import json
import math
import os

try:
    import mlflow
    from mlflow.tracking import MlflowClient
except ImportError:  # plain Python: print instead of logging
    mlflow = None


def load_model(folder):
    with open(os.path.join(folder, "model.json")) as f:
        return json.load(f)


def load_rows(folder_or_file, features):
    path = folder_or_file
    if os.path.isdir(path):
        path = os.path.join(path, sorted(f for f in os.listdir(path) if f.endswith(".csv"))[0])
    with open(path, newline="") as f:
        return [([float(r[k]) for k in features], int(r["label"])) for r in csv.DictReader(f)]


def predict(model, x):
    z = sum(w * (x[j] - model["mean"][j]) / model["std"][j] for j, w in enumerate(model["weights"])) + model["bias"]
    return 1 if 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0))) >= 0.5 else 0


def evaluate(model, rows):
    """Accuracy, precision and recall of the positive class."""
    tp = fp = fn = correct = 0
    for x, y in rows:
        p = predict(model, x)
        correct += p == y
        tp += p == 1 and y == 1
        fp += p == 1 and y == 0
        fn += p == 0 and y == 1
    return {
        "accuracy": correct / len(rows) if rows else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
    }


def log_metrics(metrics):
    for key, value in metrics.items():
        print(f"metric {key}={value:.4f}", flush=True)
    if not mlflow:
        return
    mlflow.log_metrics(metrics)
    root = os.environ.get("AZUREML_ROOT_RUN_ID")
    if root and root != os.environ.get("AZUREML_RUN_ID"):
        client = MlflowClient()
        for key, value in metrics.items():
            client.log_metric(root, key, value)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="folder holding model.json")
    parser.add_argument("--test", required=True, help="test CSV, or a folder holding one")
    parser.add_argument("--report", required=True, help="output folder of the evaluation report")
    args = parser.parse_args(argv)
    model = load_model(args.model)
    metrics = evaluate(model, load_rows(args.test, model["features"]))
    log_metrics(metrics)
    os.makedirs(args.report, exist_ok=True)
    with open(os.path.join(args.report, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)


if __name__ == "__main__":
    main()
`,
  },
  'code/prep/environment.yml': {
    text: `# Conda environment of the prep step (Azure ML builds it on top of the image named in the job YAML).
name: prep
channels:
  - conda-forge
dependencies:
  - python=3.11
`,
  },
  'code/prep/prep.py': {
    text: `"""Prep step: read the raw CSV, drop incomplete rows, split it into train and test sets.

Standard library only, so it runs the same on a laptop, in the unit tests and on a cluster.
"""
import argparse
import csv
import os
import random

FEATURES = ["x1", "x2"]
LABEL = "label"


def read_rows(path):
    """Rows of the CSV with numeric features and a 0/1 label; rows with missing values are dropped."""
    rows = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            try:
                rows.append({**{k: float(row[k]) for k in FEATURES}, LABEL: int(row[LABEL])})
            except (KeyError, TypeError, ValueError):
                continue
    return rows


def split(rows, test_fraction=0.25, seed=42):
    """A reproducible shuffle and split."""
    shuffled = list(rows)
    random.Random(seed).shuffle(shuffled)
    cut = int(round(len(shuffled) * (1 - test_fraction)))
    return shuffled[:cut], shuffled[cut:]


def write_rows(rows, folder, name):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FEATURES + [LABEL])
        writer.writeheader()
        writer.writerows(rows)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", required=True, help="raw CSV file, or a folder holding one")
    parser.add_argument("--train", required=True, help="output folder of the training set")
    parser.add_argument("--test", required=True, help="output folder of the test set")
    parser.add_argument("--test-fraction", type=float, default=0.25)
    args = parser.parse_args(argv)
    source = args.input
    if os.path.isdir(source):
        source = os.path.join(source, sorted(f for f in os.listdir(source) if f.endswith(".csv"))[0])
    rows = read_rows(source)
    train, test = split(rows, args.test_fraction)
    write_rows(train, args.train, "train.csv")
    write_rows(test, args.test, "test.csv")
    print(f"prep: {len(rows)} rows -> {len(train)} train, {len(test)} test", flush=True)


if __name__ == "__main__":
    main()
`,
  },
  'code/score/environment.yml': {
    text: `# Conda environment of the score step (Azure ML builds it on top of the image named in the job YAML).
name: score
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
      - azureml-inference-server-http
`,
  },
  'code/score/score.py': {
    text: `"""Scoring script of the online and batch deployments (the Azure ML inference server's contract).

Online: init() once, then run(raw_data) per request with a JSON body {"data": [[x1, x2], ...]}.
Batch: init() once, then run(mini_batch) with a list of CSV files; returns one line per row.
"""
import csv
import json
import math
import os

model = None


def init():
    global model
    root = os.environ.get("AZUREML_MODEL_DIR", ".")
    for folder, _, files in os.walk(root):
        if "model.json" in files:
            with open(os.path.join(folder, "model.json")) as f:
                model = json.load(f)
            return
    raise FileNotFoundError(f"no model.json under {root}")


def predict(x):
    z = sum(w * (x[j] - model["mean"][j]) / model["std"][j] for j, w in enumerate(model["weights"])) + model["bias"]
    p = 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0)))
    return {"label": 1 if p >= 0.5 else 0, "probability": round(p, 4)}


def run(data):
    if isinstance(data, list):  # batch: a mini-batch of files
        lines = []
        for path in data:
            with open(path, newline="") as f:
                for row in csv.DictReader(f):
                    x = [float(row[k]) for k in model["features"]]
                    lines.append(f"{os.path.basename(path)},{row['x1']},{row['x2']},{predict(x)['label']}")
        return lines
    body = json.loads(data) if isinstance(data, (str, bytes)) else data
    return [predict([float(v) for v in x]) for x in body["data"]]
`,
  },
  'code/train/environment.yml': {
    text: `# Conda environment of the train step (Azure ML builds it on top of the image named in the job YAML).
name: train
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
      - mlflow-skinny
      - azureml-mlflow
`,
  },
  'code/train/train.py': {
    text: `"""Train step: logistic regression fitted by gradient descent, saved as JSON.

Standard library only. Parameters and the training loss are logged with MLflow when it is
available (on Azure ML and on the amlops emulator it is); elsewhere they are printed.
"""
import argparse
import csv
import json
import math
import os

FEATURES = ["x1", "x2"]
LABEL = "label"

try:
    import mlflow
except ImportError:  # plain Python: print instead of logging
    mlflow = None


def log_param(key, value):
    if mlflow:
        mlflow.log_param(key, value)
    print(f"param {key}={value}", flush=True)


def log_metric(key, value, step=None):
    if mlflow:
        mlflow.log_metric(key, value, step=step)


def load(folder_or_file):
    path = folder_or_file
    if os.path.isdir(path):
        path = os.path.join(path, sorted(f for f in os.listdir(path) if f.endswith(".csv"))[0])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    xs = [[float(r[k]) for k in FEATURES] for r in rows]
    ys = [int(r[LABEL]) for r in rows]
    return xs, ys


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0)))


def fit(xs, ys, learning_rate=0.5, epochs=300, on_epoch=None):
    """Standardises the features, then fits weights and bias; returns the model as a dict."""
    n, d = len(xs), len(xs[0])
    mean = [sum(x[j] for x in xs) / n for j in range(d)]
    std = [math.sqrt(sum((x[j] - mean[j]) ** 2 for x in xs) / n) or 1.0 for j in range(d)]
    zs = [[(x[j] - mean[j]) / std[j] for j in range(d)] for x in xs]
    w, b = [0.0] * d, 0.0
    loss = 0.0
    for epoch in range(epochs):
        grad_w, grad_b, loss = [0.0] * d, 0.0, 0.0
        for z, y in zip(zs, ys):
            p = sigmoid(sum(wj * zj for wj, zj in zip(w, z)) + b)
            loss -= y * math.log(p + 1e-12) + (1 - y) * math.log(1 - p + 1e-12)
            for j in range(d):
                grad_w[j] += (p - y) * z[j]
            grad_b += p - y
        w = [wj - learning_rate * gj / n for wj, gj in zip(w, grad_w)]
        b -= learning_rate * grad_b / n
        if on_epoch:
            on_epoch(epoch, loss / n)
    return {"features": FEATURES, "mean": mean, "std": std, "weights": w, "bias": b, "train_loss": loss / n}


def predict_proba(model, x):
    z = [(x[j] - model["mean"][j]) / model["std"][j] for j in range(len(model["weights"]))]
    return sigmoid(sum(w * v for w, v in zip(model["weights"], z)) + model["bias"])


def save(model, folder):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(model, f, indent=2)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True, help="training CSV, or a folder holding one")
    parser.add_argument("--model", required=True, help="output folder of the model")
    parser.add_argument("--learning-rate", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=300)
    args = parser.parse_args(argv)
    xs, ys = load(args.train)
    log_param("learning_rate", args.learning_rate)
    log_param("epochs", args.epochs)

    def report(epoch, loss):
        if epoch % 50 == 0 or epoch == args.epochs - 1:
            log_metric("train_loss", loss, step=epoch)
            print(f"epoch {epoch}: loss {loss:.4f}", flush=True)

    model = fit(xs, ys, args.learning_rate, args.epochs, on_epoch=report)
    save(model, args.model)
    print(f"train: model saved to {args.model}", flush=True)


if __name__ == "__main__":
    main()
`,
  },
  'data/sample.csv': {
    text: `x1,x2,label
1.3,0.3,0
2.6,0.14,0
2.14,0.73,1
0.23,1.01,0
0.15,0.87,0
0.28,0.18,0
1.7,1.65,1
0.5,0.45,0
2.51,1.9,1
2.31,0.79,1
3.91,0.09,1
3.43,0.58,1
0.58,0.24,0
1.23,1.63,0
0.72,1.16,1
2.56,0.74,1
2.19,0.13,0
0.24,0.41,0
2.72,0.86,1
1.26,1.17,1
1.81,0.6,1
3.18,1.4,1
0.98,1.15,1
2.1,1.75,1
2.92,0.58,1
3.92,0.24,1
1.67,1.51,1
0.61,0.98,0
0.16,1.34,0
3.06,1.15,1
3.5,0.63,1
2.78,1.19,1
2.32,0.91,1
3.36,1.89,1
1.9,1.33,1
0.24,1.4,1
2.59,1.99,1
3.29,0.57,1
1.54,1.34,1
0.09,0.92,0
0.67,0.23,0
0.24,1.54,0
0.52,0.5,0
1.56,1.74,1
0.32,0.9,0
2.2,1.77,1
3.28,1.73,1
1.11,0.83,0
1.44,1.77,1
3.83,0.3,1
0.7,0.46,0
0.93,0.97,0
2.36,0.53,1
0.02,0.84,0
1.48,1.13,1
3.81,1.38,1
2.06,1.24,1
2.7,0.11,0
3.6,1.56,1
3.5,1.6,1
`,
  },
  'docs/ci.md': {
    text: `# CI/CD: from a commit to production

The pipeline in \`.github/workflows/ml-pipeline.yml\` (GitHub) or \`.ado/azure-pipelines.yml\`
(Azure DevOps) calls the amlops templates:

1. **train** (dev): create the compute if needed, submit \`pipelines/train.yml\`, register the
   model output when its \`accuracy\` is at least the current baseline's (the gate).
2. **deploy-dev**: roll the new model version out to \`.cloud/dev/endpoint.yml\` as its own
   deployment (\`model-v<version>\`) at 0% traffic, smoke-test it, then move traffic in steps
   (10%, 50%, 100%) and delete the previous version's deployment.
3. **promote** (prod, after approval): copy the model into the shared registry and roll it out the
   same way to \`.cloud/prod/endpoint.yml\` with prod's identity.
4. **batch-score** (prod): create the cluster if needed, update the batch endpoint and score
   \`data/sample.csv\`.

## Set-up on GitHub

- Environments \`dev\` and \`prod\` (Settings → Environments). On \`prod\`: required reviewers, and
  deployment branches limited to \`main\`.
- In each environment, variables \`AZURE_CLIENT_ID\`, \`AZURE_TENANT_ID\`, \`AZURE_SUBSCRIPTION_ID\` of
  an identity with a federated credential for \`repo:<org>/<repo>:environment:<name>\`. No secrets.
- Branch protection on \`main\` with code-owner review (\`.github/CODEOWNERS\`).

## Set-up on Azure DevOps

- The amlops extension installed in the organization.
- Service connections \`ml-dev\` and \`ml-prod\` (Azure Resource Manager, workload identity federation).
- Environments \`dev\` and \`prod\`; on \`prod\` an Approvals check and an Exclusive lock check.
`,
  },
  'docs/getting-started.md': {
    text: `# Getting started

1. Fill in \`.cloud/dev.yml\` and \`.cloud/prod.yml\` with your subscription, resource group and
   workspace names (the platform team has them). No secrets go there.
2. Run the steps locally, without Azure: \`python3 code/prep/prep.py --help\` and the unit tests
   (\`python3 -m unittest discover -s tests\`).
3. Run the whole pipeline on the local emulator: \`npm install amlops\` (or set \`AMLOPS_CLI\` to the
   amlops script), then \`python3 -m unittest tests.test_pipeline_emulator\`.
4. Train in the dev workspace: \`npx amlops submit-job --file pipelines/train.yml --environment dev\`.
5. Explore in \`notebooks/<your name>/\`; move code that should run in production into \`code/\`.

The training pipeline (\`pipelines/train.yml\`) runs \`code/prep\` (split the data), \`code/train\`
(fit the model, log parameters and the loss with MLflow) and \`code/evaluate\` (log accuracy,
precision and recall on the pipeline run, which the registration gate compares with the model in
production).
`,
  },
  'pipelines/train.yml': {
    text: `$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
# The training pipeline: prep -> train -> evaluate. \`amlops submit-job --file pipelines/train.yml\`
# (or \`az ml job create -f\`) submits it as it is; the templates' train workflow does the same.
type: pipeline
display_name: %%PROJECT%% training
experiment_name: %%PROJECT%%
settings:
  default_compute: azureml:cpu-cluster
inputs:
  raw_data:
    type: uri_file
    path: ../data/sample.csv
  learning_rate: 0.5
  epochs: 300
outputs:
  model:
    type: custom_model
jobs:
  prep:
    type: command
    display_name: prep
    code: ../code/prep
    command: >-
      python prep.py --input \${{inputs.raw_data}} --train \${{outputs.train}} --test \${{outputs.test}}
    environment:
      image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
      conda_file: ../code/prep/environment.yml
    inputs:
      raw_data: \${{parent.inputs.raw_data}}
    outputs:
      train:
        type: uri_folder
      test:
        type: uri_folder
  train:
    type: command
    display_name: train
    code: ../code/train
    command: >-
      python train.py --train \${{inputs.train}} --model \${{outputs.model}}
      --learning-rate \${{inputs.learning_rate}} --epochs \${{inputs.epochs}}
    environment:
      image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
      conda_file: ../code/train/environment.yml
    inputs:
      train: \${{parent.jobs.prep.outputs.train}}
      learning_rate: \${{parent.inputs.learning_rate}}
      epochs: \${{parent.inputs.epochs}}
    outputs:
      model: \${{parent.outputs.model}}
  evaluate:
    type: command
    display_name: evaluate
    code: ../code/evaluate
    command: >-
      python evaluate.py --model \${{inputs.model}} --test \${{inputs.test}} --report \${{outputs.report}}
    environment:
      image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
      conda_file: ../code/evaluate/environment.yml
    inputs:
      model: \${{parent.jobs.train.outputs.model}}
      test: \${{parent.jobs.prep.outputs.test}}
    outputs:
      report:
        type: uri_folder
`,
  },
  'tests/test_code.py': {
    text: `"""Unit tests of the steps in code/: plain unittest, standard library only.

Run from the repository root: python3 -m unittest discover -s tests
"""
import json
import os
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for step in ("prep", "train", "evaluate", "score"):
    sys.path.insert(0, os.path.join(ROOT, "code", step))

import evaluate  # noqa: E402
import prep  # noqa: E402
import score  # noqa: E402
import train  # noqa: E402

DATA = os.path.join(ROOT, "data", "sample.csv")


class PrepTest(unittest.TestCase):
    def test_split_keeps_every_row_once_and_is_reproducible(self):
        rows = prep.read_rows(DATA)
        a_train, a_test = prep.split(rows)
        b_train, b_test = prep.split(rows)
        self.assertEqual(len(a_train) + len(a_test), len(rows))
        self.assertEqual((a_train, a_test), (b_train, b_test))

    def test_rows_with_missing_values_are_dropped(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "raw.csv")
            with open(path, "w") as f:
                f.write("x1,x2,label\\n1,2,1\\n,3,0\\n2,x,1\\n")
            self.assertEqual(len(prep.read_rows(path)), 1)


class TrainEvaluateTest(unittest.TestCase):
    def test_the_pipeline_steps_run_end_to_end_and_beat_chance(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = lambda name: os.path.join(tmp, name)  # noqa: E731
            prep.main(["--input", DATA, "--train", out("train"), "--test", out("test")])
            train.main(["--train", out("train"), "--model", out("model"), "--epochs", "200"])
            evaluate.main(["--model", out("model"), "--test", out("test"), "--report", out("report")])
            with open(os.path.join(out("report"), "metrics.json")) as f:
                metrics = json.load(f)
        self.assertGreater(metrics["accuracy"], 0.7)

    def test_training_lowers_the_loss(self):
        xs, ys = train.load(DATA)
        losses = []
        train.fit(xs, ys, epochs=50, on_epoch=lambda epoch, loss: losses.append(loss))
        self.assertLess(losses[-1], losses[0])


class ScoreTest(unittest.TestCase):
    def setUp(self):
        xs, ys = train.load(DATA)
        self.tmp = tempfile.TemporaryDirectory()
        train.save(train.fit(xs, ys, epochs=200), self.tmp.name)
        os.environ["AZUREML_MODEL_DIR"] = self.tmp.name
        score.init()

    def tearDown(self):
        self.tmp.cleanup()
        os.environ.pop("AZUREML_MODEL_DIR", None)

    def test_online_request(self):
        answer = score.run(json.dumps({"data": [[3.5, 1.8], [0.1, 0.1]]}))
        self.assertEqual([a["label"] for a in answer], [1, 0])

    def test_batch_mini_batch(self):
        lines = score.run([DATA])
        self.assertEqual(len(lines), 60)
        self.assertTrue(lines[0].startswith("sample.csv,"))


if __name__ == "__main__":
    unittest.main()
`,
  },
  'tests/test_pipeline_emulator.py': {
    text: `"""Integration test: runs pipelines/train.yml on the amlops workspace emulator, as CI would on Azure ML.

Starts \`amlops emulator\`, creates the cluster of .cloud/compute, submits the pipeline with
\`amlops submit-job\` and checks it completes with an accuracy metric. The amlops command is
\`npx --no-install amlops\`, or \`node $AMLOPS_CLI\` when AMLOPS_CLI names its script (bin/amlops.cjs).
Skipped when neither is available.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def amlops_command():
    script = os.environ.get("AMLOPS_CLI")
    if script:
        return ["node", script]
    if shutil.which("npx"):
        probe = subprocess.run(["npx", "--no-install", "amlops", "--version"], cwd=ROOT, capture_output=True)
        if probe.returncode == 0:
            return ["npx", "--no-install", "amlops"]
    return None


class PipelineOnEmulatorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cli = amlops_command()
        if not cls.cli:
            raise unittest.SkipTest("amlops is not installed (npm install amlops, or set AMLOPS_CLI)")
        cls.tmp = tempfile.mkdtemp(prefix="amlops-it-")
        ready = os.path.join(cls.tmp, "ready.json")
        cls.log = open(os.path.join(cls.tmp, "emulator.log"), "w")
        cls.emulator = subprocess.Popen(
            cls.cli + ["emulator", "--ready-file", ready, "--state", os.path.join(cls.tmp, "state")],
            cwd=ROOT, stdout=cls.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 90
        while not os.path.exists(ready):
            if cls.emulator.poll() is not None or time.time() > deadline:
                cls.log.flush()
                with open(cls.log.name) as f:
                    output = f.read()[-4000:]
                cls.tearDownClass()
                raise AssertionError(f"the emulator did not start:\\n{output}")
            time.sleep(0.2)
        time.sleep(0.2)
        with open(ready) as f:
            cls.info = json.load(f)

    @classmethod
    def tearDownClass(cls):
        emulator = getattr(cls, "emulator", None)
        if emulator and emulator.poll() is None:
            emulator.send_signal(signal.SIGTERM)
            try:
                emulator.wait(timeout=30)
            except subprocess.TimeoutExpired:
                emulator.kill()
        if getattr(cls, "log", None):
            cls.log.close()
        shutil.rmtree(getattr(cls, "tmp", ""), ignore_errors=True)

    def amlops(self, *args):
        info = self.info
        env = {
            **os.environ,
            "NODE_EXTRA_CA_CERTS": info["caCertFile"],
            "AZURE_TENANT_ID": info["tenantId"],
            "AZURE_CLIENT_ID": info["clientId"],
            "AZURE_CLIENT_SECRET": info["clientSecret"],
        }
        where = [
            "--cloud", "Custom",
            "--arm-endpoint", info["armEndpoint"],
            "--authority-host", info["authorityHost"],
            "--subscription-id", info["subscriptionId"],
            "--resource-group", info["resourceGroup"],
            "--workspace", info["workspaces"][0],
        ]
        done = subprocess.run(self.cli + list(args) + where, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        self.assertEqual(done.returncode, 0, f"amlops {args[0]} failed:\\n{done.stderr[-4000:]}")
        return json.loads(done.stdout)

    def test_the_training_pipeline_completes_with_an_accuracy(self):
        compute = self.amlops("ensure-compute", "--file", ".cloud/compute/cpu-cluster.yml")
        self.assertEqual(compute["provisioning-state"], "Succeeded")
        job = self.amlops("submit-job", "--file", "pipelines/train.yml")
        self.assertEqual(job["status"], "Completed")
        metrics = json.loads(job["metrics"])
        self.assertGreater(metrics["accuracy"], 0.7)
        self.assertIn("model", json.loads(job["outputs"]))


if __name__ == "__main__":
    unittest.main()
`,
  },
};
