// A Desktop for the controller under plain Node (main tests, the UI tests' backend): records the
// notifications, opened folders and clipboard text it is asked for, so tests can assert on them.
import type { Desktop } from '../../src/main/desktop';

/** A Desktop that records what it was asked to do. */
export class RecordingDesktop implements Desktop {
  readonly notifications: Array<{ title: string; body: string }> = [];
  readonly openedFolders: string[] = [];
  clipboard = '';

  notify(title: string, body: string): void {
    this.notifications.push({ title, body });
  }

  async openFolder(path: string): Promise<void> {
    this.openedFolders.push(path);
  }

  copyText(text: string): void {
    this.clipboard = text;
  }
}
