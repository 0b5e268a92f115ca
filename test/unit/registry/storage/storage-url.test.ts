import { describe, expect, it } from 'vitest';
import { parseStorageUrl, StorageUrlError } from '../../../../registry/storage/storage-url.js';

describe('parseStorageUrl', () => {
  it('reads a path or a file:// URL as a local directory', () => {
    expect(parseStorageUrl('/srv/docket/blobs')).toEqual({ kind: 'fs', dir: '/srv/docket/blobs' });
    expect(parseStorageUrl('relative/dir')).toEqual({ kind: 'fs', dir: 'relative/dir' });
    expect(parseStorageUrl('file:///srv/my%20blobs')).toEqual({ kind: 'fs', dir: '/srv/my blobs' });
  });

  it('reads bucket, prefix, endpoint and region of an s3:// URL', () => {
    expect(
      parseStorageUrl('s3://docket-blobs/team/a/?endpoint=http://127.0.0.1:7480/&region=eu-west-1'),
    ).toEqual({
      kind: 's3',
      bucket: 'docket-blobs',
      prefix: 'team/a',
      endpoint: 'http://127.0.0.1:7480',
      region: 'eu-west-1',
    });
    expect(parseStorageUrl('s3://docket-blobs')).toEqual({
      kind: 's3',
      bucket: 'docket-blobs',
      prefix: '',
    });
  });

  it.each([
    ['', 'empty'],
    ['file://relative', 'absolute path'],
    ['gs://bucket', 'unknown scheme'],
    ['s3://key:secret@bucket', 'AWS_ACCESS_KEY_ID'],
    ['s3://bucket:9000', 'no port'],
    ['s3://ab', 'bucket name'],
    ['s3://under_score', 'bucket name'],
    ['s3://bucket/a/../b', '. or ..'],
    ['s3://bucket?endpoint=127.0.0.1:7480', 'endpoint must be'],
    ['s3://bucket?endpoint=http://host/path', 'endpoint must be'],
    ['s3://bucket?region=EU%20West', 'region'],
    ['s3://bucket?pathStyle=false', 'unknown parameter "pathStyle"'],
  ])('rejects %j (%s)', (text, why) => {
    let caught: unknown;
    try {
      parseStorageUrl(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StorageUrlError);
    expect((caught as Error).message).toContain(why);
  });
});
