// The problems the user has not dismissed yet: raised by supervisors (engine problems, crashes,
// sign-in), cleared when dismissed or when their workspace mounts again. Decides which kinds also
// become OS notifications (upload failed, conflict copy kept, sign-in needed, disconnected).
// Bounded; owns no presentation.
import type { AppProblem } from '../shared/ipc-contract';
import { problemTitle, type Problem } from '../shared/problem';
import type { Clock } from './clock';

/** Problem kinds that also become OS notifications. */
const NOTIFIED = new Set<Problem['kind']>(['upload-failed', 'conflict-copy', 'needs-sign-in', 'disconnected']);
/** Problem kinds that go away when their workspace mounts again. */
const CLEARED_BY_MOUNT = new Set<Problem['kind']>(['needs-sign-in', 'disconnected', 'other']);

/** What the log reports. */
export interface ProblemLogListener {
  raised(problem: AppProblem): void;
  cleared(problemId: string): void;
  notify(title: string, body: string): void;
}

/** Undismissed problems, newest last, at most `limit`. */
export class ProblemLog {
  private readonly items: AppProblem[] = [];
  private next = 1;

  constructor(
    private readonly clock: Clock,
    private readonly listener: ProblemLogListener,
    private readonly limit = 50,
  ) {}

  /** Current problems (copies). */
  list(): AppProblem[] {
    return this.items.map((item) => ({ ...item }));
  }

  /** The newest problem, if any. */
  last(): AppProblem | undefined {
    return this.items.at(-1);
  }

  /** Records a problem (a repeat of the newest one for the same workspace is not recorded twice). */
  raise(problem: Problem, workspaceId?: string): AppProblem {
    const newest = this.items.findLast((item) => item.workspaceId === workspaceId);
    if (newest !== undefined && JSON.stringify(newest.problem) === JSON.stringify(problem)) return newest;
    const item: AppProblem = { id: `p-${this.next++}`, at: this.clock.now(), problem };
    if (workspaceId !== undefined) item.workspaceId = workspaceId;
    this.items.push(item);
    while (this.items.length > this.limit) this.remove(this.items[0]!.id);
    this.listener.raised(item);
    if (NOTIFIED.has(problem.kind)) this.listener.notify(problemTitle(problem), problem.fix === undefined ? problem.message : `${problem.message} ${capitalise(problem.fix)}.`);
    return item;
  }

  /** Removes one problem; false if unknown. */
  dismiss(problemId: string): boolean {
    return this.remove(problemId);
  }

  /** The workspace mounted: its sign-in, disconnection and other transient problems are over. */
  mounted(workspaceId: string): void {
    for (const item of this.items.filter((p) => p.workspaceId === workspaceId && CLEARED_BY_MOUNT.has(p.problem.kind))) this.remove(item.id);
  }

  /** The workspace was removed: all its problems go. */
  forget(workspaceId: string): void {
    for (const item of this.items.filter((p) => p.workspaceId === workspaceId)) this.remove(item.id);
  }

  private remove(problemId: string): boolean {
    const index = this.items.findIndex((item) => item.id === problemId);
    if (index === -1) return false;
    this.items.splice(index, 1);
    this.listener.cleared(problemId);
    return true;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
