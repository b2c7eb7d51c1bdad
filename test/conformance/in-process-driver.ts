// The conformance driver over a Filesystem called directly, doing what the kernel would: a lookup
// before create, open/read/write/flush/release for file I/O, reads in 128 KiB pieces. It also
// builds a WorkspaceFs on the in-process emulator for one test (fresh cache and state dir).
import { constants } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { ContentCache } from '../../src/fs/cache/content-cache';
import { FsError } from '../../src/fs/errors';
import type { Filesystem } from '../../src/fs/filesystem';
import { silentLogger, type Logger } from '../../src/fs/logger';
import { MetadataCache } from '../../src/fs/meta/metadata-cache';
import type { RemoteWorkspace } from '../../src/fs/remote/remote-workspace';
import type { UploadMode } from '../../src/shared/engine-protocol';
import { WorkspaceFs } from '../../src/fs/workspace-fs';
import { home } from '../support/emulator-fixture';
import type { ConformanceDriver, DriverFile, WorkspaceProbe } from './scenarios';

const PIECE = 128 * 1024;

/** A driver that calls `fs` the way the FUSE adapter would. */
export function inProcessDriver(fs: Filesystem): ConformanceDriver {
  const openFile = async (path: string, mode: 'r' | 'r+' | 'w' | 'a'): Promise<DriverFile> => {
    const flags =
      mode === 'r'
        ? constants.O_RDONLY
        : mode === 'r+'
          ? constants.O_RDWR
          : mode === 'w'
            ? constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC
            : constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;
    let handle: number;
    if ((flags & constants.O_CREAT) !== 0) {
      const exists = await fs.getattr(path).then(
        () => true,
        (error: unknown) => {
          if (error instanceof FsError && error.code === 'ENOENT') return false;
          throw error;
        },
      );
      handle = exists ? await fs.open(path, flags & ~constants.O_CREAT) : await fs.create(path, 0o644, flags);
    } else {
      handle = await fs.open(path, flags);
    }
    return {
      read: async (length, position) => {
        const buffer = Buffer.alloc(length);
        const count = await fs.read(path, handle, buffer, length, position);
        return buffer.subarray(0, count);
      },
      write: async (data, position) => {
        const buffer = typeof data === 'string' ? Buffer.from(data) : data;
        for (let offset = 0; offset < buffer.length; offset += PIECE) {
          const piece = buffer.subarray(offset, offset + PIECE);
          await fs.write(path, handle, piece, piece.length, position + offset);
        }
      },
      truncate: (size) => fs.ftruncate(path, handle, size),
      sync: () => fs.fsync(path, handle, false),
      close: async () => {
        try {
          await fs.flush(path, handle);
        } finally {
          await fs.release(path, handle);
        }
      },
    };
  };
  return {
    stat: async (path) => {
      const attributes = await fs.getattr(path);
      return { kind: attributes.kind, size: attributes.size, mode: attributes.mode, mtimeMs: attributes.mtimeMs };
    },
    readdir: async (path) => (await fs.readdir(path)).map((entry) => entry.name),
    readFile: async (path) => {
      const file = await openFile(path, 'r');
      try {
        const pieces: Buffer[] = [];
        for (let position = 0; ; ) {
          const piece = await file.read(PIECE, position);
          if (piece.length === 0) break;
          pieces.push(piece);
          position += piece.length;
        }
        return Buffer.concat(pieces);
      } finally {
        await file.close();
      }
    },
    writeFile: async (path, data) => {
      const file = await openFile(path, 'w');
      try {
        await file.write(data, 0);
      } finally {
        await file.close();
      }
    },
    appendFile: async (path, data) => {
      const file = await openFile(path, 'a');
      try {
        await file.write(data, 0);
      } finally {
        await file.close();
      }
    },
    open: openFile,
    truncate: (path, size) => fs.truncate(path, size),
    unlink: (path) => fs.unlink(path),
    mkdir: (path) => fs.mkdir(path, 0o755),
    rmdir: (path) => fs.rmdir(path),
    rename: (from, to) => fs.rename(from, to),
    utimes: (path, atimeMs, mtimeMs) => fs.utimens(path, atimeMs, mtimeMs),
    chmod: (path, mode) => fs.chmod(path, mode),
    chown: (path, uid, gid) => fs.chown(path, uid, gid),
    access: (path, mode = constants.F_OK) => fs.access(path, mode),
  };
}

/**
 * What the emulator stores at a mount path (the mount root is the demo user's home), read once
 * `settled` resolves (the engine owes the workspace no upload; default: at once).
 */
export function emulatorProbe(emulator: WorkspaceEmulator, settled: () => Promise<void> = () => Promise.resolve()): WorkspaceProbe {
  return {
    object: async (path) => {
      await settled();
      const node = emulator.tree.find(home(emulator) + path) as { type?: string; kind?: string; language?: string } | undefined;
      if (node === undefined) return undefined;
      const type = node.type ?? node.kind ?? 'UNKNOWN';
      return { type, ...(node.language !== undefined && { language: node.language }) };
    },
  };
}

/** Resolves once `fs` has no upload queued or in flight (its `engine:stats` transfers at zero); polls for at most 10 s. */
export async function uploadsSettled(fs: WorkspaceFs): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const { uploadsQueued, uploadsInFlight } = fs.transfers();
    if (uploadsQueued === 0 && uploadsInFlight === 0) return;
    await sleep(20);
  }
  throw new Error(`uploads did not settle within 10 s: ${JSON.stringify(fs.transfers())}`);
}

/** A WorkspaceFs over `remote` mounted at the demo user's home, with its own content cache (on unless `cacheEnabled: false`), state dir and upload mode (default sync). */
export function workspaceFsFor(
  emulator: WorkspaceEmulator,
  remote: RemoteWorkspace,
  stateDir: string,
  options: { now?: () => number; logger?: Logger; ttlMs?: number; cacheEnabled?: boolean; uploadMode?: UploadMode } = {},
): { fs: WorkspaceFs; metadata: MetadataCache; cache: ContentCache } {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger();
  const cache = new ContentCache({
    dir: join(stateDir, 'cache'),
    transientDir: join(stateDir, 'state', 'transient'),
    workspace: emulator.host,
    enabled: options.cacheEnabled ?? true,
    minFreeBytes: 0,
    now,
    logger,
  });
  const metadata = new MetadataCache({ remote, root: home(emulator), now, prefetchConcurrency: 0, ...(options.ttlMs !== undefined && { ttlMs: options.ttlMs }) });
  const fs = new WorkspaceFs({
    remote,
    metadata,
    stateDir: join(stateDir, 'state'),
    cache,
    logger,
    now,
    ...(options.uploadMode !== undefined && { uploadMode: options.uploadMode }),
    uid: process.getuid?.() ?? 1000,
    gid: process.getgid?.() ?? 1000,
  });
  return { fs, metadata, cache };
}
