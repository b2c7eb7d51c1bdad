// The emulated workspace's object tree: directories, repos, files and notebooks with their ids and
// timestamps, plus the primitive mutations (create, replace, delete, move). Every method is
// synchronous, so a check-then-act inside one request handler is atomic on Node's event loop; that
// is what makes parallel imports, deletes and renames safe. It knows nothing of HTTP or endpoint
// conflict rules (handlers decide those); it does enforce the per-folder child limit.
import type { Language } from '../shared/workspace-types';
import { childLimit, notFound, parentNotFound } from './api-error';
import { baseName, childPath, parentOf, segmentsOf } from './workspace-paths';

/** How a notebook's content is stored: source text or the `.ipynb` JSON it was imported as. */
export type NotebookFormat = 'SOURCE' | 'JUPYTER';

interface NodeIdentity {
  objectId: number;
  createdAt: number;
  modifiedAt: number;
}

/** A folder or a Git folder (REPO); children by name. */
export interface FolderNode extends NodeIdentity {
  kind: 'DIRECTORY' | 'REPO';
  children: Map<string, WorkspaceNode>;
}

/** A workspace file with its bytes. */
export interface FileNode extends NodeIdentity {
  kind: 'FILE';
  content: Buffer;
}

/** A notebook with its language and stored content. */
export interface NotebookNode extends NodeIdentity {
  kind: 'NOTEBOOK';
  language: Language;
  format: NotebookFormat;
  content: Buffer;
}

export type WorkspaceNode = FolderNode | FileNode | NotebookNode;

/** Content for a create or replace: a file or a notebook. */
export type NodeContent =
  | { kind: 'FILE'; content: Buffer }
  | { kind: 'NOTEBOOK'; language: Language; format: NotebookFormat; content: Buffer };

/** A mutation, as reported to listeners (the data-dir journal) after it took effect. */
export type TreeChange =
  | { op: 'set'; path: string; node: WorkspaceNode }
  | { op: 'delete'; path: string }
  | { op: 'move'; from: string; to: string };

/** Options of the tree. */
export interface TreeOptions {
  /** Milliseconds since the epoch; injected so tests control time. */
  now: () => number;
  /** Maximum children per folder; `Infinity` for none. */
  childLimit: number;
  /** First object id handed out. */
  firstObjectId?: number;
}

/** The object tree. Mutations notify `onChange` listeners synchronously, in order. */
export class WorkspaceTree {
  readonly root: FolderNode;
  private nextObjectId: number;
  private readonly listeners: Array<(change: TreeChange) => void> = [];

  constructor(private readonly options: TreeOptions) {
    this.nextObjectId = options.firstObjectId ?? 1_000_000_000_000;
    this.root = { kind: 'DIRECTORY', objectId: 0, createdAt: 0, modifiedAt: 0, children: new Map() };
  }

  /** The child limit in force (settable at run time for tests). */
  get childLimit(): number {
    return this.options.childLimit;
  }

  set childLimit(limit: number) {
    this.options.childLimit = limit;
  }

  /** Subscribes to mutations. */
  onChange(listener: (change: TreeChange) => void): void {
    this.listeners.push(listener);
  }

  /** The node at a canonical path, or undefined. */
  find(path: string): WorkspaceNode | undefined {
    let node: WorkspaceNode = this.root;
    for (const segment of segmentsOf(path)) {
      if (!isFolder(node)) return undefined;
      const child = node.children.get(segment);
      if (child === undefined) return undefined;
      node = child;
    }
    return node;
  }

  /** The stored bytes of the file or notebook at `path`; undefined for a folder or nothing. */
  contentOf(path: string): Buffer | undefined {
    const node = this.find(path);
    return node === undefined || isFolder(node) ? undefined : node.content;
  }

  /** The node at a path; 404 RESOURCE_DOES_NOT_EXIST when missing. */
  get(path: string, shownPath = path): WorkspaceNode {
    const node = this.find(path);
    if (node === undefined) throw notFound(shownPath);
    return node;
  }

  /** The folder that would hold `path`; 404 "parent folder does not exist" when there is none. */
  parentFolder(path: string, shownPrefix = ''): FolderNode {
    const parent = this.find(parentOf(path));
    if (parent === undefined || !isFolder(parent)) {
      throw parentNotFound(shownPrefix + parentOf(path));
    }
    return parent;
  }

  /** Creates a folder (or repo) under an existing folder. The caller checked the name is free. */
  createFolder(path: string, kind: 'DIRECTORY' | 'REPO' = 'DIRECTORY', shownPrefix = ''): FolderNode {
    const parent = this.parentFolder(path, shownPrefix);
    this.checkRoom(parent, path, shownPrefix);
    const now = this.options.now();
    const node: FolderNode = { kind, ...this.identity(now), children: new Map() };
    parent.children.set(baseName(path), node);
    this.emit({ op: 'set', path, node });
    return node;
  }

  /**
   * Writes a file or notebook at `path`, replacing whatever non-folder is there (keeping its object
   * id and creation time, with a strictly newer modification time). The caller decided that a
   * replace is allowed.
   */
  write(path: string, content: NodeContent, shownPrefix = ''): FileNode | NotebookNode {
    const parent = this.parentFolder(path, shownPrefix);
    const name = baseName(path);
    const existing = parent.children.get(name);
    const now = this.options.now();
    let identity: NodeIdentity;
    if (existing === undefined) {
      this.checkRoom(parent, path, shownPrefix);
      identity = this.identity(now);
    } else {
      identity = {
        objectId: existing.objectId,
        createdAt: existing.createdAt,
        modifiedAt: Math.max(now, existing.modifiedAt + 1),
      };
    }
    const node: FileNode | NotebookNode = { ...content, ...identity };
    parent.children.set(name, node);
    this.emit({ op: 'set', path, node });
    return node;
  }

  /** Removes the node at `path` (and its subtree). */
  remove(path: string): void {
    const parent = this.find(parentOf(path));
    if (parent === undefined || !isFolder(parent)) return;
    if (parent.children.delete(baseName(path))) this.emit({ op: 'delete', path });
  }

  /**
   * Moves the node at `from` to `to` (whose parent exists and name is free), keeping its identity.
   * Listeners see one `move` change only (a `delete` of `from` first would lose the node on replay).
   */
  move(from: string, to: string, shownPrefix = ''): void {
    const node = this.get(from, shownPrefix + from);
    const target = this.parentFolder(to, shownPrefix);
    if (parentOf(from) !== parentOf(to)) this.checkRoom(target, to, shownPrefix);
    (this.find(parentOf(from)) as FolderNode).children.delete(baseName(from));
    target.children.set(baseName(to), node);
    this.emit({ op: 'move', from, to });
  }

  /** Restores a node with its recorded identity (data-dir replay); creates nothing else. */
  restore(path: string, node: WorkspaceNode): void {
    this.reserveObjectIds(node.objectId + 1);
    if (path === '/') return;
    const parent = this.find(parentOf(path));
    if (parent === undefined || !isFolder(parent)) return;
    parent.children.set(baseName(path), node);
  }

  /** The object id the next new node gets. Ids are never handed out twice, even after a delete. */
  get nextId(): number {
    return this.nextObjectId;
  }

  /** Never hands out an id below `next` (ids of deleted nodes, restored from a data dir). */
  reserveObjectIds(next: number): void {
    this.nextObjectId = Math.max(this.nextObjectId, next);
  }

  /** Every node with its path, parents before children. */
  *walk(path = '/', node: WorkspaceNode = this.root): Generator<[string, WorkspaceNode]> {
    yield [path, node];
    if (isFolder(node)) {
      for (const [name, child] of node.children) yield* this.walk(childPath(path, name), child);
    }
  }

  private identity(now: number): NodeIdentity {
    return { objectId: this.nextObjectId++, createdAt: now, modifiedAt: now };
  }

  private checkRoom(parent: FolderNode, path: string, shownPrefix: string): void {
    if (parent.children.size >= this.options.childLimit) {
      throw childLimit(shownPrefix + parentOf(path), this.options.childLimit);
    }
  }

  private emit(change: TreeChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** True for nodes that hold children. */
export function isFolder(node: WorkspaceNode): node is FolderNode {
  return node.kind === 'DIRECTORY' || node.kind === 'REPO';
}
