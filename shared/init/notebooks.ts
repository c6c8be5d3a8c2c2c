/**
 * Sample notebooks for notebooks/<person>/, as nbformat 4.5 documents (cell ids required).
 * Each cell id is derived from the notebook and the cell's position, so a scaffold is reproducible.
 */
interface Cell {
  kind: 'markdown' | 'code';
  source: string;
}

const md = (source: string): Cell => ({ kind: 'markdown', source });
const code = (source: string): Cell => ({ kind: 'code', source });

function notebook(slug: string, cells: readonly Cell[]): string {
  const doc = {
    cells: cells.map((c, i) => {
      const source = c.source.split(/(?<=\n)/);
      const id = `${slug}-${i + 1}`;
      return c.kind === 'markdown'
        ? { cell_type: 'markdown', id, metadata: {}, source }
        : { cell_type: 'code', id, metadata: {}, execution_count: null, outputs: [], source };
    }),
    metadata: {
      kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
      language_info: { name: 'python', file_extension: '.py', mimetype: 'text/x-python' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return `${JSON.stringify(doc, null, 1)}\n`;
}

/** File name under notebooks/<person>/ -> notebook JSON. */
export function sampleNotebooks(project: string): Record<string, string> {
  return {
    '01-explore-data-product.ipynb': notebook('explore', [
      md(
        `# Explore the data product\n\nLoads the project's data product — the registered data asset \`${project}-raw\` when the workspace has it, else the bundled sample in \`data/sample.csv\` — and summarises it.`,
      ),
      code(
        [
          'import csv',
          'import os',
          '',
          'REPO = os.path.abspath(os.path.join(os.getcwd(), "..", ".."))',
          'source = os.path.join(REPO, "data", "sample.csv")',
          'try:  # the registered data asset, when azure-ai-ml and a workspace are at hand',
          '    from azure.ai.ml import MLClient',
          '    from azure.identity import DefaultAzureCredential',
          '',
          '    ml_client = MLClient.from_config(DefaultAzureCredential())',
          `    source = ml_client.data.get("${project}-raw", label="latest").path`,
          'except Exception as err:  # no SDK, no config or no asset: the local sample',
          '    print(f"using the local sample ({type(err).__name__})")',
          'print("data product:", source)',
        ].join('\n'),
      ),
      code(
        [
          'with open(source, newline="") as f:',
          '    rows = list(csv.DictReader(f))',
          'print(len(rows), "rows; columns:", list(rows[0]))',
          'for column in ("x1", "x2"):',
          '    values = [float(r[column]) for r in rows]',
          '    print(f"{column}: min {min(values):.2f}  mean {sum(values) / len(values):.2f}  max {max(values):.2f}")',
          'positives = sum(int(r["label"]) for r in rows)',
          'print(f"label: {positives} positive of {len(rows)}")',
        ].join('\n'),
      ),
    ]),
    '02-log-metrics-and-params.ipynb': notebook('mlflow', [
      md(
        '# Log parameters and metrics with MLflow\n\nTrains the model of `code/train` with a few learning rates and logs each try as an MLflow run. On an Azure ML compute instance the runs go to the workspace; elsewhere to a local `mlruns/` folder (or they are printed when MLflow is not installed).',
      ),
      code(
        [
          'import os',
          'import sys',
          '',
          'REPO = os.path.abspath(os.path.join(os.getcwd(), "..", ".."))',
          'sys.path.insert(0, os.path.join(REPO, "code", "train"))',
          'sys.path.insert(0, os.path.join(REPO, "code", "evaluate"))',
          'import evaluate',
          'import train',
          '',
          'try:',
          '    import mlflow',
          'except ImportError:',
          '    mlflow = None',
          'xs, ys = train.load(os.path.join(REPO, "data", "sample.csv"))',
          'rows = list(zip(xs, ys))',
        ].join('\n'),
      ),
      code(
        [
          'for learning_rate in (0.05, 0.5, 2.0):',
          '    model = train.fit(xs, ys, learning_rate=learning_rate, epochs=200)',
          '    metrics = evaluate.evaluate(model, rows)',
          '    if mlflow:',
          `        mlflow.set_experiment("${project}-notebooks")`,
          '        with mlflow.start_run(run_name=f"lr={learning_rate}"):',
          '            mlflow.log_params({"learning_rate": learning_rate, "epochs": 200})',
          '            mlflow.log_metrics({**metrics, "train_loss": model["train_loss"]})',
          "    print(f\"learning_rate {learning_rate}: accuracy {metrics['accuracy']:.3f}, loss {model['train_loss']:.4f}\")",
        ].join('\n'),
      ),
    ]),
    '03-submit-training-job.ipynb': notebook('submit', [
      md(
        '# Submit a training job to a compute cluster\n\nSubmits `pipelines/train.yml` (prep → train → evaluate) to the `cpu-cluster` of the dev workspace with the amlops command line, the same step CI runs. It creates the cluster first when it is missing. With azure-ai-ml instead: `ml_client.jobs.create_or_update(load_job("pipelines/train.yml"))`.',
      ),
      code(
        [
          'import json',
          'import os',
          'import subprocess',
          '',
          'REPO = os.path.abspath(os.path.join(os.getcwd(), "..", ".."))',
          'AMLOPS = ["node", os.environ["AMLOPS_CLI"]] if os.environ.get("AMLOPS_CLI") else ["npx", "amlops"]',
          '',
          '',
          'def amlops(*args):',
          '    done = subprocess.run(AMLOPS + list(args), cwd=REPO, capture_output=True, text=True)',
          '    print(done.stderr[-3000:])',
          '    done.check_returncode()',
          '    return json.loads(done.stdout)',
        ].join('\n'),
      ),
      code(
        [
          'compute = amlops("ensure-compute", "--file", ".cloud/compute/cpu-cluster.yml", "--environment", "dev")',
          'job = amlops("submit-job", "--file", "pipelines/train.yml", "--environment", "dev")',
          'print(job["status"], job["studio-url"])',
          'print(json.loads(job["metrics"]))',
        ].join('\n'),
      ),
    ]),
  };
}
