/**
 * Rewrites the `?` placeholders of a statement to PostgreSQL's `$1, $2, …`. Refuses a
 * statement with a `?` inside a string literal, a quoted identifier or a comment, where
 * the rewrite could not tell a placeholder from text (the metadata's statements never
 * need one there).
 */
export function numberPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i] as string;
    if (c === '?') {
      out += `$${++n}`;
      continue;
    }
    let end = -1;
    if (c === "'" || c === '"') end = closing(sql, i, c);
    else if (c === '-' && sql[i + 1] === '-') end = lineEnd(sql, i);
    else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new Error(`unterminated comment in SQL: ${sql}`);
      end = close + 2;
    }
    if (end < 0) {
      out += c;
      continue;
    }
    const quoted = sql.slice(i, end);
    if (quoted.includes('?'))
      throw new Error(`a ? inside a literal, identifier or comment is ambiguous: ${quoted}`);
    out += quoted;
    i = end - 1;
  }
  return out;
}

/** The index after the quote closing the one at `start` (a doubled quote is escaped). */
function closing(sql: string, start: number, quote: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] !== quote) continue;
    if (sql[i + 1] === quote) {
      i++;
      continue;
    }
    return i + 1;
  }
  throw new Error(`unterminated ${quote} in SQL: ${sql}`);
}

function lineEnd(sql: string, start: number): number {
  const nl = sql.indexOf('\n', start);
  return nl < 0 ? sql.length : nl;
}
