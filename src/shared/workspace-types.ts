// Wire types of the Databricks workspace REST API and the notebook source format, shared by the
// emulator (which serves them) and the engine (which consumes them). Pure data and pure functions:
// no I/O, no runtime imports. Facts come from ../shared/reference/databricks-workspace-api.md §1, §5.

/** Object types the workspace reports; unknown strings are tolerated by consumers. */
export type ObjectType = 'NOTEBOOK' | 'DIRECTORY' | 'LIBRARY' | 'FILE' | 'REPO' | 'DASHBOARD';

/** Notebook languages. */
export type Language = 'PYTHON' | 'SQL' | 'SCALA' | 'R';

/** Export formats of `GET /api/2.0/workspace/export`. */
export type ExportFormat = 'SOURCE' | 'HTML' | 'JUPYTER' | 'DBC' | 'R_MARKDOWN' | 'AUTO' | 'RAW';

/** The ObjectInfo returned by `list` and `get-status` (reference §1). */
export interface ObjectInfo {
  path: string;
  object_type: ObjectType;
  object_id: number;
  resource_id: string;
  language?: Language;
  created_at?: number;
  modified_at?: number;
  size?: number;
  repos_export_format?: 'SOURCE' | 'JUPYTER';
}

/** A signed URL as returned by the workspace-files endpoints (reference §3). */
export interface SignedUrl {
  url: string;
  headers: Record<string, string>;
  url_type?: string;
  expiry_time_millis?: number;
}

/** The standard error envelope (reference §4). `error_code` may be numeric or empty. */
export interface ErrorBody {
  error_code: string | number;
  message: string;
  details?: Array<Record<string, unknown>>;
}

/** Per-language notebook source conventions (reference §5). */
export interface NotebookSyntax {
  language: Language;
  extension: string;
  header: string;
  separator: string;
  magicPrefix: string;
}

const HASH = { header: '# Databricks notebook source', separator: '# COMMAND ----------', magicPrefix: '# MAGIC ' };

/** Source syntax of each notebook language. */
export const NOTEBOOK_SYNTAX: Readonly<Record<Language, NotebookSyntax>> = {
  PYTHON: { language: 'PYTHON', extension: '.py', ...HASH },
  R: { language: 'R', extension: '.r', ...HASH },
  SCALA: {
    language: 'SCALA',
    extension: '.scala',
    header: '// Databricks notebook source',
    separator: '// COMMAND ----------',
    magicPrefix: '// MAGIC ',
  },
  SQL: {
    language: 'SQL',
    extension: '.sql',
    header: '-- Databricks notebook source',
    separator: '-- COMMAND ----------',
    magicPrefix: '-- MAGIC ',
  },
};

/** Languages in a stable order. */
export const LANGUAGES: readonly Language[] = ['PYTHON', 'SQL', 'SCALA', 'R'];

/** The language whose source extension `name` ends with (case-insensitive), if any. */
export function languageForFileName(name: string): Language | undefined {
  const lower = name.toLowerCase();
  return LANGUAGES.find((language) => lower.endsWith(NOTEBOOK_SYNTAX[language].extension));
}

/** The first line of `text`, without its line ending. */
export function firstLine(text: string): string {
  const end = text.indexOf('\n');
  const line = end === -1 ? text : text.slice(0, end);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * The notebook language a file named `name` with bytes `content` becomes on an AUTO import:
 * a known source extension whose header is exactly the first line; otherwise undefined (a FILE).
 */
export function detectSourceNotebook(name: string, content: Uint8Array): Language | undefined {
  const language = languageForFileName(name);
  if (language === undefined) return undefined;
  const header = NOTEBOOK_SYNTAX[language].header;
  for (let i = 0; i < header.length; i++) if (content[i] !== header.charCodeAt(i)) return undefined;
  const next = content[header.length];
  const lineEnds = next === undefined || next === 0x0a || (next === 0x0d && content[header.length + 1] === 0x0a);
  return lineEnds ? language : undefined;
}
