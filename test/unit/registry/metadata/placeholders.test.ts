import { describe, expect, it } from 'vitest';
import { numberPlaceholders } from '../../../../registry/metadata/placeholders.js';

describe('numberPlaceholders', () => {
  it('numbers each ? in order', () => {
    expect(numberPlaceholders('SELECT * FROM t WHERE a = ? AND b > ? LIMIT ?')).toBe(
      'SELECT * FROM t WHERE a = $1 AND b > $2 LIMIT $3',
    );
    expect(numberPlaceholders('SELECT 1')).toBe('SELECT 1');
  });

  it('copies literals, quoted identifiers and comments without a ? as they are', () => {
    expect(
      numberPlaceholders(
        `SELECT x AS "usedAt", 'it''s' FROM t -- note\nWHERE k != 'manifest' /* c */ AND v = ?`,
      ),
    ).toBe(
      `SELECT x AS "usedAt", 'it''s' FROM t -- note\nWHERE k != 'manifest' /* c */ AND v = $1`,
    );
  });

  it.each([
    ["SELECT '?' FROM t WHERE a = ?"],
    ["SELECT 'it''s ?' FROM t"],
    ['SELECT "a?" FROM t'],
    ['SELECT 1 -- why?\nFROM t'],
    ['SELECT /* ? */ 1'],
  ])('refuses a ? it cannot tell from text: %s', (sql) => {
    expect(() => numberPlaceholders(sql)).toThrow(/ambiguous/);
  });

  it('refuses an unterminated literal or comment', () => {
    expect(() => numberPlaceholders("SELECT 'open")).toThrow(/unterminated/);
    expect(() => numberPlaceholders('SELECT /* open')).toThrow(/unterminated/);
  });
});
