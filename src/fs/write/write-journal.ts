// The write journal: one small JSON record per file whose new bytes are owed to the workspace, in
// the engine's state folder beside the staging files, so that a killed engine or a power loss never
// loses what a program wrote and closed. It owns the record format (versioned), its durable write
// (replace-file.ts; the caller syncs the staging file) and loading the records at start. It does not
// upload, detect conflicts or schedule retries (WorkspaceFs, UploadScheduler) nor hold file content.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFile } from '../replace-file';
import type { Language } from '../../shared/workspace-types';

/** Version of the record format; a record of another version is reported, never guessed at. */
export const JOURNAL_FORMAT = 1;

/** The workspace version a working copy was made from (what a conflict check compares with). */
export interface BaseVersion {
  /** Workspace object id; absent when the object was created by this mount and not read back. */
  objectId?: number;
  /** modified_at in ms; absent for a version uploaded by this mount and not read back yet. */
  modifiedAt?: number;
  /** Byte size when known. */
  size?: number;
  /** The base is this mount's own upload, not read back yet: only its size is known for sure. */
  uploadedHere?: boolean;
}

/**
 * One journal record. `open`: changed by a program that has not closed it yet (after a crash the
 * bytes are kept locally and reported, never uploaded half-written). `closed`: closed or flushed,
 * owed to the workspace (after a crash the upload is finished, with the conflict check).
 */
export interface JournalRecord {
  format: typeof JOURNAL_FORMAT;
  id: string;
  state: 'open' | 'closed';
  /** Mount-relative path (`/etl/job.py`). */
  path: string;
  /** Workspace path the bytes go to (notebooks without extension). */
  remotePath: string;
  /** Absent for a file created by this mount (it must not overwrite anything). */
  base?: BaseVersion;
  /** Set when the path is an existing notebook shown in this language and format. */
  notebook?: { language: Language; format: 'SOURCE' | 'JUPYTER' };
  /** File name of the staging file inside the staging folder. */
  staging: string;
  /** Byte size of the staging file when recorded. */
  size: number;
  /** ms since the epoch. */
  recordedAt: number;
}

/** What `load` found. */
export interface JournalContents {
  records: JournalRecord[];
  /** Record files that could not be read or have another format (kept, reported). */
  unreadable: string[];
  /**
   * Staging files the unreadable records still name, or `undefined` when one of them names none
   * that could be learnt (broken JSON): then no staging file may be taken for an unnamed copy.
   */
  claimedByUnreadable: string[] | undefined;
}

/**
 * The records of one engine state folder, in `dir` (created 0700). Errors: local disk errors
 * (Node errors) from every method; `load` reports unreadable records instead of throwing.
 */
export class WriteJournal {
  private prepared: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  /** A fresh record id (also unique across engine runs). */
  static newId(): string {
    return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  }

  /**
   * Writes `record`, replacing an earlier one of the same id. `durable`: the record and the folder
   * entry are fsynced before this resolves (a power loss keeps it); otherwise only a killed
   * process is survived (the page cache keeps it).
   */
  async write(record: JournalRecord, durable: boolean): Promise<void> {
    await this.prepare();
    await replaceFile(join(this.dir, `${record.id}.json`), JSON.stringify(record), { durable });
  }

  /** Removes the record `id` (no error when it is gone). */
  async remove(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.json`), { force: true });
  }

  /** Every record in the folder, oldest first; leftovers of interrupted writes are deleted. */
  async load(): Promise<JournalContents> {
    await this.prepare();
    const records: JournalRecord[] = [];
    const unreadable: string[] = [];
    let claimedByUnreadable: string[] | undefined = [];
    for (const name of (await readdir(this.dir)).sort()) {
      const file = join(this.dir, name);
      if (name.endsWith('.tmp')) {
        await rm(file, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
        records.push(parseRecord(parsed));
      } catch {
        unreadable.push(file);
        // Its staging file may hold the only copy of saved bytes: never let it pass for a clean copy.
        const staging = (parsed as { staging?: unknown } | null | undefined)?.staging;
        if (isStagingName(staging)) claimedByUnreadable?.push(staging);
        else claimedByUnreadable = undefined;
      }
    }
    return { records: records.sort((a, b) => a.recordedAt - b.recordedAt), unreadable, claimedByUnreadable };
  }

  private prepare(): Promise<void> {
    this.prepared ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    return this.prepared;
  }
}

/** Checks an untrusted record; throws TypeError for anything but a well-formed current record. */
function parseRecord(value: unknown): JournalRecord {
  const r = value as Partial<JournalRecord> | null;
  const ok =
    r !== null &&
    typeof r === 'object' &&
    r.format === JOURNAL_FORMAT &&
    isStagingName(r.id) &&
    (r.state === 'open' || r.state === 'closed') &&
    typeof r.path === 'string' &&
    r.path.startsWith('/') &&
    typeof r.remotePath === 'string' &&
    isStagingName(r.staging) &&
    typeof r.size === 'number' &&
    typeof r.recordedAt === 'number';
  if (!ok) throw new TypeError('not a journal record of this format');
  return r as JournalRecord;
}

/** A plain file name (no separator, not `.` or `..`): a staging file's, or a record id (its file's stem). */
function isStagingName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\\');
}
