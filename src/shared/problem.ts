// Problems the engine reports to its front ends (tray notifications, the status window, the CLI):
// a closed set of kinds, each with the message a user reads and, where one exists, the fix.
// Pure types and pure functions only; it does not decide when a problem is raised or cleared.
import { assertNever } from './assert-never';

/** Kinds of problem; a discriminated union on `kind` (ARCHITECTURE.md §6). */
export type ProblemKind = Problem['kind'];

/** Fields every problem carries. */
interface ProblemBase {
  /** One sentence for the user, without secrets. */
  message: string;
  /** What the user can do about it, when there is something. */
  fix?: string;
}

/** An upload failed permanently; the local bytes stay in the write journal. */
export interface UploadFailedProblem extends ProblemBase {
  kind: 'upload-failed';
  /** Mount-relative path of the file that did not upload. */
  path: string;
}

/** The remote changed under a local edit; the local bytes were kept as `copyPath`. */
export interface ConflictCopyProblem extends ProblemBase {
  kind: 'conflict-copy';
  /** Mount-relative path of the file whose remote version was kept. */
  path: string;
  /** Mount-relative path of the conflict copy holding the local bytes. */
  copyPath: string;
}

/** The token expired or was revoked; the user must sign in again. */
export interface NeedsSignInProblem extends ProblemBase {
  kind: 'needs-sign-in';
}

/** The workspace is unreachable; cached files stay readable and writes wait in the journal. */
export interface DisconnectedProblem extends ProblemBase {
  kind: 'disconnected';
}

/** The content cache was switched off by the engine (e.g. disk full); the mount keeps working. */
export interface CacheDisabledProblem extends ProblemBase {
  kind: 'cache-disabled';
}

/** Anything else worth telling the user. */
export interface OtherProblem extends ProblemBase {
  kind: 'other';
  /** Mount-relative path concerned, if any. */
  path?: string;
}

/** A problem reported by the engine. */
export type Problem =
  | UploadFailedProblem
  | ConflictCopyProblem
  | NeedsSignInProblem
  | DisconnectedProblem
  | CacheDisabledProblem
  | OtherProblem;

/** Every problem kind, in a stable order (for validation and UI grouping). */
export const PROBLEM_KINDS: readonly ProblemKind[] = [
  'upload-failed',
  'conflict-copy',
  'needs-sign-in',
  'disconnected',
  'cache-disabled',
  'other',
];

/** A short title for a notification or a list row. */
export function problemTitle(problem: Problem): string {
  switch (problem.kind) {
    case 'upload-failed':
      return 'Upload failed';
    case 'conflict-copy':
      return 'Conflict copy kept';
    case 'needs-sign-in':
      return 'Sign-in needed';
    case 'disconnected':
      return 'Workspace unreachable';
    case 'cache-disabled':
      return 'Cache switched off';
    case 'other':
      return 'Problem';
    default:
      return assertNever(problem, 'problem');
  }
}

