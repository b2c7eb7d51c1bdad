// What identifies one version of the bytes of a workspace path: object id, modified time, size
// where known, and the format the bytes are presented in. Pure types and the key derived from
// them; it does not decide when a version is current (the metadata cache does).
import type { DownloadFormat } from '../remote/remote-workspace';

/** What identifies one version of the bytes of a path. */
export interface ContentFingerprint {
  objectId: number;
  /** ms since the epoch; absent when the workspace did not say (then the bytes are never kept). */
  modifiedAt?: number;
  /** Exact byte size when the workspace reported it. */
  size?: number;
  format: DownloadFormat;
  /** A version uploaded here and not read back yet (RemoteEntry.localVersion); never persisted. */
  localVersion?: number;
}

/** The key of a fingerprint (also the start of its cache file's name). */
export function fingerprintKey(fingerprint: ContentFingerprint): string {
  const size = fingerprint.size === undefined ? '' : `-s${fingerprint.size}`;
  const local = fingerprint.localVersion === undefined ? '' : `-v${fingerprint.localVersion}`;
  return `${fingerprint.objectId}-${fingerprint.modifiedAt ?? 'x'}${size}${local}-${fingerprint.format}`;
}

/** The object and format a fingerprint is a version of (a newer version replaces an older one). */
export function objectKey(fingerprint: ContentFingerprint): string {
  return `${fingerprint.objectId}-${fingerprint.format}`;
}
