/**
 * clipanion prints a value-taking option as `--port #0`: this names the value after the
 * flag (`--port <port>`) and realigns the option table the longer names push out of line.
 * Works on the help text as clipanion renders it, coloured (bold definitions) or not.
 */
const ESC = '\u001b';
const OPTION_ROW = new RegExp(`^( {2}(?:${ESC}\\[1m)?)(-.*?) *((?:${ESC}\\[22m)?) {4}(.*)$`);

const named = (text: string): string => text.replace(/(--?([a-z][a-z0-9-]*)) #\d/g, '$1 <$2>');

export function nameOptionValues(help: string): string {
  const lines = help.split('\n');
  const rows = lines.map((line) => OPTION_ROW.exec(line));
  const width = Math.max(0, ...rows.map((m) => (m ? named(m[2] as string).length : 0)));
  return lines
    .map((line, i) => {
      const m = rows[i];
      if (!m) return named(line);
      return `${m[1]}${named(m[2] as string).padEnd(width)}${m[3]}    ${m[4]}`;
    })
    .join('\n');
}
