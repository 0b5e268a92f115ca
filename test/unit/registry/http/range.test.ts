import { describe, expect, it } from 'vitest';
import { RangeNotSatisfiableError, UploadInvalidError } from '../../../../registry/errors.js';
import {
  parseRequestRange,
  parseUploadContentRange,
  uploadRangeHeader,
} from '../../../../registry/http/range.js';

describe('parseRequestRange', () => {
  it('reads one byte range, clamped to the size', () => {
    expect(parseRequestRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRequestRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRequestRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRequestRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
  });

  it('serves the whole blob for no, malformed or multiple ranges', () => {
    expect(parseRequestRange(undefined, 100)).toBeUndefined();
    expect(parseRequestRange('bytes=abc', 100)).toBeUndefined();
    expect(parseRequestRange('bytes=0-1,50-60', 100)).toBeUndefined();
  });

  it('refuses ranges past the end', () => {
    expect(() => parseRequestRange('bytes=100-200', 100)).toThrow(RangeNotSatisfiableError);
    expect(() => parseRequestRange('items=0-1', 100)).toThrow(RangeNotSatisfiableError);
  });
});

describe('upload ranges', () => {
  it('parses Content-Range of a chunk', () => {
    expect(parseUploadContentRange('0-99')).toEqual({ start: 0, end: 99 });
    expect(parseUploadContentRange('bytes 100-199/*')).toEqual({ start: 100, end: 199 });
    for (const bad of ['', '5', '9-3', 'a-b', '-5'])
      expect(() => parseUploadContentRange(bad)).toThrow(UploadInvalidError);
  });

  it('renders the Range of an upload', () => {
    expect(uploadRangeHeader(0)).toBe('0-0');
    expect(uploadRangeHeader(10)).toBe('0-9');
  });
});
