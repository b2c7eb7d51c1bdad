// The Linux autostart entry (`~/.config/autostart/wsfs.desktop`) as text: the command that starts
// the app hidden, quoted and escaped by the Desktop Entry rules so that any path (spaces, quotes,
// `$`, backslashes, `%`) starts the same program. Writing the file is electron-desktop.ts's job.

/**
 * One argument of an `Exec=` key: quoted, with `"`, `` ` ``, `$` and `\` escaped for the quoting
 * rule, then the value's own escapes (backslashes again, control characters) and `%` doubled
 * (field codes), in the order a reader undoes them.
 */
export function desktopExecArgument(arg: string): string {
  const quoted = `"${arg.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
  return quoted
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/%/g, '%%');
}

/** The whole `.desktop` file that runs `command` (program and arguments) at login. */
export function autostartEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=wsfs',
    'Comment=Databricks workspace as a folder',
    `Exec=${command.map(desktopExecArgument).join(' ')}`,
    'Icon=wsfs',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}
