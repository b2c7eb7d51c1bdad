// Whether the app window opens when the app starts: only on the first run (no workspace yet), and
// never when the OS started the app at login (`--hidden` on Linux and Windows, the login item's
// flag on macOS). A pure function so it is tested without Electron; index.ts feeds it.

/** What the decision depends on. */
export interface LaunchFacts {
  /** No workspace is configured yet. */
  firstRun: boolean;
  /** The process's arguments. */
  argv: readonly string[];
  /** macOS: the login item started the app. */
  openedAtLogin: boolean;
}

/** The argument the login entries pass (electron-desktop.ts). */
export const HIDDEN_FLAG = '--hidden';

/** True if the window should open at launch. */
export function showWindowAtLaunch(facts: LaunchFacts): boolean {
  return facts.firstRun && !facts.openedAtLogin && !facts.argv.includes(HIDDEN_FLAG);
}
