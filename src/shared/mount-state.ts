// The engine-side state of one mount, as pushed in `mount:state` events. The supervisor in main
// keeps its own, coarser per-workspace state machine and derives it from these events and from
// the engine process's life; this file holds only the engine's view. Pure types only.

/** No mount yet, or the last one was unmounted cleanly. */
export interface IdleMountState {
  kind: 'idle';
}

/** A mount command was accepted and the mount is being set up. */
export interface MountingMountState {
  kind: 'mounting';
  mountPoint: string;
}

/** The workspace is mounted and serving requests. */
export interface MountedMountState {
  kind: 'mounted';
  mountPoint: string;
  /** Workspace path shown at the mount point's root. */
  remotePath: string;
  /** Workspace origin, e.g. `https://x.cloud.databricks.com`. */
  host: string;
}

/** Flushing pending uploads, then unmounting. */
export interface UnmountingMountState {
  kind: 'unmounting';
  mountPoint: string;
}

/** The mount could not be set up or was lost; `code` is machine-readable, `message` for users. */
export interface FailedMountState {
  kind: 'failed';
  code: string;
  message: string;
  fix?: string;
}

/** The engine-side state of a mount (a discriminated union on `kind`). */
export type MountState =
  | IdleMountState
  | MountingMountState
  | MountedMountState
  | UnmountingMountState
  | FailedMountState;
