// Persistence of the emulated tree in a data directory, crash-safe: file contents are written as
// content-addressed blobs (temp file, fsync, rename) before the change that references them is
// appended to a journal and fsynced; a snapshot (temp, fsync, rename) periodically replaces the
// journal. On open, snapshot + journal entries newer than it rebuild the tree; a torn last line is
// ignored. Writes are synchronous so that a reply is only sent after its change is durable.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Language } from '../shared/workspace-types';
import { isFolder, type NotebookFormat, type TreeChange, type WorkspaceNode, type WorkspaceTree } from './workspace-tree';

interface StoredNode {
  kind: WorkspaceNode['kind'];
  objectId: number;
  createdAt: number;
  modifiedAt: number;
  language?: Language;
  format?: NotebookFormat;
  blob?: string;
}

type JournalEntry =
  | { seq: number; op: 'set'; path: string; node: StoredNode }
  | { seq: number; op: 'delete'; path: string }
  | { seq: number; op: 'move'; from: string; to: string };

interface Snapshot {
  version: 1;
  seq: number;
  /** The tree's next object id, so ids of deleted nodes are not handed out again. */
  nextObjectId?: number;
  nodes: Array<{ path: string; node: StoredNode }>;
}

const SNAPSHOT = 'snapshot.json';
const JOURNAL = 'journal.jsonl';
const BLOBS = 'blobs';
const COMPACT_EVERY = 2000;

/** A data directory bound to a tree. */
export class DataDirStore {
  private seq = 0;
  private sinceSnapshot = 0;
  private journalFd: number | undefined;
  /**
   * The blob name (sha256) of each content buffer seen, so a snapshot does not hash the whole tree
   * again. Node contents are replaced on write, never changed in place.
   */
  private readonly blobNames = new WeakMap<Buffer, string>();

  private constructor(
    private readonly dir: string,
    private readonly tree: WorkspaceTree,
    /** True when the directory held no workspace yet (the caller seeds it). */
    readonly isNew: boolean,
  ) {}

  /** Opens (creating if needed) `dir` and loads its tree into `tree`. */
  static open(dir: string, tree: WorkspaceTree): DataDirStore {
    fs.mkdirSync(path.join(dir, BLOBS), { recursive: true, mode: 0o700 });
    const snapshotPath = path.join(dir, SNAPSHOT);
    const journalPath = path.join(dir, JOURNAL);
    const isNew = !fs.existsSync(snapshotPath) && !fs.existsSync(journalPath);
    const store = new DataDirStore(dir, tree, isNew);
    if (!isNew) store.load();
    return store;
  }

  /** Starts recording the tree's changes (after loading and seeding). */
  attach(): void {
    this.compact();
    this.tree.onChange((change) => this.record(change));
  }

  /** Writes a final snapshot and closes the journal. */
  close(): void {
    if (this.journalFd === undefined) return;
    this.compact();
    fs.closeSync(this.journalFd);
    this.journalFd = undefined;
  }

  private load(): void {
    const snapshotPath = path.join(this.dir, SNAPSHOT);
    let snapshotSeq = 0;
    if (fs.existsSync(snapshotPath)) {
      const snapshot = JSON.parse(fs.readFileSync(snapshotPath, 'utf8')) as Snapshot;
      if (snapshot.version !== 1) throw new Error(`${snapshotPath}: unsupported data-dir version ${String(snapshot.version)}`);
      for (const { path: nodePath, node } of snapshot.nodes) this.tree.restore(nodePath, this.revive(node));
      if (snapshot.nextObjectId !== undefined) this.tree.reserveObjectIds(snapshot.nextObjectId);
      snapshotSeq = snapshot.seq;
    }
    this.seq = snapshotSeq;
    const journalPath = path.join(this.dir, JOURNAL);
    if (!fs.existsSync(journalPath)) return;
    for (const line of fs.readFileSync(journalPath, 'utf8').split('\n')) {
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        break; // a torn final line: the change it described never completed
      }
      if (entry.seq <= snapshotSeq) continue;
      this.replay(entry);
      this.seq = entry.seq;
    }
  }

  private replay(entry: JournalEntry): void {
    switch (entry.op) {
      case 'set': {
        const existing = this.tree.find(entry.path);
        const node = this.revive(entry.node);
        if (existing !== undefined && isFolder(existing) && isFolder(node)) node.children = existing.children;
        this.tree.restore(entry.path, node);
        return;
      }
      case 'delete':
        this.tree.remove(entry.path);
        return;
      case 'move': {
        const node = this.tree.find(entry.from);
        if (node === undefined) return;
        this.tree.remove(entry.from);
        this.tree.restore(entry.to, node);
        return;
      }
    }
  }

  private record(change: TreeChange): void {
    this.seq += 1;
    const entry: JournalEntry =
      change.op === 'set' ? { seq: this.seq, op: 'set', path: change.path, node: this.persist(change.node) } : { seq: this.seq, ...change };
    fs.writeSync(this.journalFd!, JSON.stringify(entry) + '\n');
    fs.fsyncSync(this.journalFd!);
    this.sinceSnapshot += 1;
    if (this.sinceSnapshot >= COMPACT_EVERY) this.compact();
  }

  /** Replaces the journal with a snapshot of the whole tree, then drops unreferenced blobs. */
  private compact(): void {
    const nodes: Snapshot['nodes'] = [];
    for (const [nodePath, node] of this.tree.walk()) if (nodePath !== '/') nodes.push({ path: nodePath, node: this.persist(node) });
    const snapshot: Snapshot = { version: 1, seq: this.seq, nextObjectId: this.tree.nextId, nodes };
    writeDurably(path.join(this.dir, SNAPSHOT), Buffer.from(JSON.stringify(snapshot)));
    if (this.journalFd !== undefined) fs.closeSync(this.journalFd);
    this.journalFd = fs.openSync(path.join(this.dir, JOURNAL), 'w', 0o600);
    fs.fsyncSync(this.journalFd);
    this.sinceSnapshot = 0;
    const referenced = new Set(nodes.map(({ node }) => node.blob));
    for (const name of fs.readdirSync(path.join(this.dir, BLOBS))) {
      if (!referenced.has(name)) fs.rmSync(path.join(this.dir, BLOBS, name), { force: true });
    }
  }

  private persist(node: WorkspaceNode): StoredNode {
    const stored: StoredNode = { kind: node.kind, objectId: node.objectId, createdAt: node.createdAt, modifiedAt: node.modifiedAt };
    if (node.kind === 'NOTEBOOK') {
      stored.language = node.language;
      stored.format = node.format;
    }
    if (node.kind === 'FILE' || node.kind === 'NOTEBOOK') {
      let blob = this.blobNames.get(node.content);
      if (blob === undefined) {
        blob = createHash('sha256').update(node.content).digest('hex');
        this.blobNames.set(node.content, blob);
      }
      const blobPath = path.join(this.dir, BLOBS, blob);
      if (!fs.existsSync(blobPath)) writeDurably(blobPath, node.content);
      stored.blob = blob;
    }
    return stored;
  }

  private revive(stored: StoredNode): WorkspaceNode {
    const identity = { objectId: stored.objectId, createdAt: stored.createdAt, modifiedAt: stored.modifiedAt };
    if (stored.kind === 'DIRECTORY' || stored.kind === 'REPO') return { kind: stored.kind, ...identity, children: new Map() };
    const content = fs.readFileSync(path.join(this.dir, BLOBS, stored.blob!));
    this.blobNames.set(content, stored.blob!);
    if (stored.kind === 'NOTEBOOK') return { kind: 'NOTEBOOK', language: stored.language!, format: stored.format!, content, ...identity };
    return { kind: 'FILE', content, ...identity };
  }
}

/** Writes `data` to `target` atomically and durably: temp file, fsync, rename, fsync the folder. */
function writeDurably(target: string, data: Buffer): void {
  const temp = `${target}.tmp-${process.pid}`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, target);
  const dirFd = fs.openSync(path.dirname(target), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}
