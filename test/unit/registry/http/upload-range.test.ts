import { describe, expect, it } from 'vitest';
import { UploadInvalidError } from '../../../../registry/errors.js';
import {
  parseUploadContentRange,
  uploadRangeHeader,
} from '../../../../registry/http/upload-range.js';

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
