// Names for the copies that keep someone's bytes when they cannot go where they were meant to:
// `report (conflict 2026-11-30 09.15).py` next to a file whose workspace version changed under a
// local edit, `job (unsaved 2026-11-30 09.15.07).py` for bytes of a file still open when the engine
// died. The extension stays last, so a notebook's copy stays a notebook of the same language.
// Pure: it neither checks which names are free nor touches any file.

/** What a marked copy is for. */
export type CopyMark = 'conflict' | 'unsaved';

/**
 * The name of a copy of `name` made at `date` (local time). `attempt` 0 gives minutes, 1 adds the
 * seconds, 2 and on add a counter (` 2`, ` 3`, …) for when those names are taken as well.
 * A name's extension is its last `.xyz` part, unless the name starts with that dot (`.bashrc`).
 */
export function markedCopyName(name: string, mark: CopyMark, date: Date, attempt = 0): string {
  const dot = name.lastIndexOf('.');
  const hasExtension = dot > 0 && dot < name.length - 1;
  const stem = hasExtension ? name.slice(0, dot) : name;
  const extension = hasExtension ? name.slice(dot) : '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  let stamp = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}.${pad(date.getMinutes())}`;
  if (attempt >= 1 || mark === 'unsaved') stamp += `.${pad(date.getSeconds())}`;
  if (attempt >= 2) stamp += ` ${attempt}`;
  return `${stem} (${mark} ${stamp})${extension}`;
}
