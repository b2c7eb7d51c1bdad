// Initial content of a fresh emulated workspace. `empty` has the folders every workspace has
// (`/Users/<user>`, `/Shared`, `/Repos`); `demo` adds a realistic home folder so that a first
// look at the mount is meaningful: notebooks in all four languages, a Jupyter notebook, a small
// Python package, a CSV, a nested project, shared notebooks and a Git folder.
import { NOTEBOOK_SYNTAX, type Language } from '../shared/workspace-types';
import { childPath, parentOf, segmentsOf } from './workspace-paths';
import type { NodeContent, WorkspaceTree } from './workspace-tree';

/** Names of the seeds. */
export type SeedName = 'demo' | 'empty';

/** Fills a fresh tree with the named seed for `userName`. */
export function seedWorkspace(tree: WorkspaceTree, seed: SeedName, userName: string): void {
  const home = `/Users/${userName}`;
  for (const folder of ['/Users', home, '/Shared', '/Repos']) ensureFolder(tree, folder);
  if (seed === 'empty') return;
  const put = (path: string, content: NodeContent): void => {
    ensureFolder(tree, parentOf(path));
    tree.write(path, content);
  };
  const notebook = (path: string, language: Language, ...cells: string[]): void => {
    const { header, separator } = NOTEBOOK_SYNTAX[language];
    const text = `${header}\n${cells.join(`\n\n${separator}\n\n`)}\n`;
    put(path, { kind: 'NOTEBOOK', language, format: 'SOURCE', content: Buffer.from(text) });
  };
  const file = (path: string, text: string): void => put(path, { kind: 'FILE', content: Buffer.from(text) });

  notebook(
    `${home}/Getting Started`,
    'PYTHON',
    '# MAGIC %md\n# MAGIC # Getting started\n# MAGIC This notebook is served by the wsfs demo workspace. Edit it in any editor.',
    'from mypackage.cleaning import normalise_region\n\nrows = spark.read.csv("sales.csv", header=True)\ndisplay(rows)',
    'print(normalise_region("  North "))',
  );
  notebook(
    `${home}/Sales Report`,
    'SQL',
    'SELECT region, SUM(amount) AS revenue\nFROM sales\nGROUP BY region\nORDER BY revenue DESC',
    '-- MAGIC %md\n-- MAGIC Revenue by region, refreshed daily.',
  );
  notebook(
    `${home}/etl/Ingest`,
    'SCALA',
    'val raw = spark.read.option("header", "true").csv("/Volumes/main/default/raw/sales")',
    'raw.write.mode("overwrite").saveAsTable("sales")',
  );
  notebook(
    `${home}/etl/Model`,
    'R',
    'library(SparkR)\nsales <- tableToDF("sales")',
    'head(summarize(groupBy(sales, sales$region), total = sum(sales$amount)))',
  );
  put(`${home}/Exploration`, {
    kind: 'NOTEBOOK',
    language: 'PYTHON',
    format: 'JUPYTER',
    content: Buffer.from(JSON.stringify(EXPLORATION_NOTEBOOK, null, 1)),
  });
  file(`${home}/mypackage/__init__.py`, '"""Helpers shared by the demo notebooks."""\n\n__version__ = "0.1.0"\n');
  file(
    `${home}/mypackage/cleaning.py`,
    'def normalise_region(name: str) -> str:\n    """Trim and title-case a region name."""\n    return name.strip().title()\n',
  );
  file(
    `${home}/mypackage/stats.py`,
    'from statistics import mean\n\n\ndef average(values):\n    return mean(values) if values else 0.0\n',
  );
  file(`${home}/README.md`, '# Demo workspace\n\nNotebooks appear as `.py`, `.sql`, `.scala` and `.r` files.\n');
  file(
    `${home}/data/sales.csv`,
    'date,region,amount\n2026-01-05,North,1200.50\n2026-01-05,South,980.00\n2026-01-06,East,1533.25\n2026-01-06,West,701.10\n',
  );
  notebook(
    `${home}/projects/forecasting/notebooks/Train`,
    'PYTHON',
    'from forecasting.pipeline.steps import train\n\nmodel = train.fit(spark.table("sales"))',
  );
  file(
    `${home}/projects/forecasting/forecasting/pipeline/steps/train.py`,
    'def fit(frame):\n    """Fit a trivial model: the mean amount per region."""\n    return frame.groupBy("region").avg("amount")\n',
  );
  file(`${home}/projects/forecasting/forecasting/pipeline/steps/__init__.py`, '');
  file(`${home}/projects/forecasting/forecasting/pipeline/__init__.py`, '');
  file(`${home}/projects/forecasting/forecasting/__init__.py`, '');
  file(`${home}/projects/forecasting/config.yaml`, 'horizon_days: 28\nmetric: mape\n');
  notebook('/Shared/Team Dashboard', 'SQL', 'SELECT * FROM sales ORDER BY date DESC LIMIT 100');
  file('/Shared/CONTRIBUTING.md', '# Shared notebooks\n\nAsk in #data before changing shared notebooks.\n');
  ensureFolder(tree, `/Repos/${userName}`);
  if (tree.find(`/Repos/${userName}/analytics`) === undefined) tree.createFolder(`/Repos/${userName}/analytics`, 'REPO');
  file(`/Repos/${userName}/analytics/README.md`, '# analytics\n\nA Git folder.\n');
  notebook(`/Repos/${userName}/analytics/Weekly KPIs`, 'PYTHON', 'display(spark.table("sales").groupBy("region").count())');
}

function ensureFolder(tree: WorkspaceTree, path: string): void {
  let current = '/';
  for (const segment of segmentsOf(path)) {
    current = childPath(current, segment);
    if (tree.find(current) === undefined) tree.createFolder(current);
  }
}

const EXPLORATION_NOTEBOOK = {
  cells: [
    { cell_type: 'markdown', metadata: {}, source: ['# Exploration\n', 'A notebook imported from Jupyter.'] },
    {
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source: ['import pandas as pd\n', 'df = pd.read_csv("data/sales.csv")\n', 'df.describe()'],
    },
  ],
  metadata: { language_info: { name: 'python' } },
  nbformat: 4,
  nbformat_minor: 2,
};
