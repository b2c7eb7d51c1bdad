// Conversions between the notebook representations the service speaks: SOURCE text (header line,
// cells split by `COMMAND ----------` separators, `MAGIC` lines) and JUPYTER `.ipynb` (nbformat 4).
// Stored text is returned as given, with the header added when missing (reference §5). No I/O.
import { NOTEBOOK_SYNTAX, firstLine, type Language } from '../shared/workspace-types';
import { invalidParameter } from './api-error';
import type { NotebookNode } from './workspace-tree';

const JUPYTER_LANGUAGE: Record<string, Language> = { python: 'PYTHON', sql: 'SQL', scala: 'SCALA', r: 'R' };

interface JupyterCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string | string[];
  metadata?: Record<string, unknown>;
  outputs?: unknown[];
  execution_count?: number | null;
}

interface JupyterNotebook {
  cells: JupyterCell[];
  metadata?: { language_info?: { name?: string }; [key: string]: unknown };
  nbformat: number;
  nbformat_minor?: number;
}

/** SOURCE export of a notebook: always starts with the language's header line. */
export function exportSource(node: NotebookNode): Buffer {
  if (node.format === 'JUPYTER') return Buffer.from(jupyterToSource(parseJupyter(node.content), node.language));
  const text = node.content.toString('utf8');
  const { header } = NOTEBOOK_SYNTAX[node.language];
  return firstLine(text) === header ? node.content : Buffer.from(`${header}\n${text}`);
}

/** JUPYTER export of a notebook: the stored `.ipynb` verbatim, or one built from its source. */
export function exportJupyter(node: NotebookNode): Buffer {
  if (node.format === 'JUPYTER') return node.content;
  return Buffer.from(JSON.stringify(sourceToJupyter(node.content.toString('utf8'), node.language), null, 1));
}

/** Parses `.ipynb` bytes; anything that is not nbformat JSON is 400 INVALID_PARAMETER_VALUE. */
export function parseJupyter(content: Buffer): JupyterNotebook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString('utf8'));
  } catch {
    throw invalidParameter('The provided content is not a valid Jupyter notebook (invalid JSON).');
  }
  const notebook = parsed as Partial<JupyterNotebook> | null;
  if (notebook === null || typeof notebook !== 'object' || !Array.isArray(notebook.cells) || typeof notebook.nbformat !== 'number') {
    throw invalidParameter('The provided content is not a valid Jupyter notebook (missing cells or nbformat).');
  }
  return notebook as JupyterNotebook;
}

/** The language a Jupyter notebook declares, if it names one we know. */
export function jupyterLanguage(notebook: JupyterNotebook): Language | undefined {
  const name = notebook.metadata?.language_info?.name;
  return typeof name === 'string' ? JUPYTER_LANGUAGE[name.toLowerCase()] : undefined;
}

/** Splits SOURCE text into the text of its cells (header removed, separators dropped). */
export function sourceCells(text: string, language: Language): string[] {
  const { header, separator } = NOTEBOOK_SYNTAX[language];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[0] === header) lines.shift();
  const cells: string[][] = [[]];
  for (const line of lines) {
    if (line === separator) cells.push([]);
    else cells[cells.length - 1]!.push(line);
  }
  return cells.map((cell) => cell.join('\n').replace(/^\n+|\n+$/g, ''));
}

function sourceToJupyter(text: string, language: Language): JupyterNotebook {
  const { magicPrefix } = NOTEBOOK_SYNTAX[language];
  const cells = sourceCells(text, language).map((cell): JupyterCell => {
    const lines = cell.split('\n');
    if (lines.every((line) => line.startsWith(magicPrefix.trimEnd())) && lines[0]?.startsWith(`${magicPrefix}%md`)) {
      const body = lines.map((line) => line.slice(magicPrefix.length)).join('\n').replace(/^%md ?\n?/, '');
      return { cell_type: 'markdown', metadata: {}, source: splitSource(body) };
    }
    return { cell_type: 'code', metadata: {}, source: splitSource(cell), outputs: [], execution_count: null };
  });
  return {
    cells,
    metadata: { language_info: { name: language.toLowerCase() } },
    nbformat: 4,
    nbformat_minor: 2,
  };
}

function jupyterToSource(notebook: JupyterNotebook, language: Language): string {
  const { header, separator, magicPrefix } = NOTEBOOK_SYNTAX[language];
  const cells = notebook.cells.map((cell) => {
    const body = Array.isArray(cell.source) ? cell.source.join('') : String(cell.source ?? '');
    if (cell.cell_type !== 'markdown') return body;
    return [`%md`, ...body.split('\n')].map((line) => `${magicPrefix}${line}`.trimEnd()).join('\n');
  });
  return `${header}\n${cells.join(`\n\n${separator}\n\n`)}\n`;
}

function splitSource(text: string): string[] {
  const lines = text.split('\n');
  return lines.map((line, index) => (index < lines.length - 1 ? `${line}\n` : line)).filter((line) => line !== '');
}
