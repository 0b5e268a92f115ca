import { describe, expect, it } from 'vitest';
import { missingPrograms } from '../../../testbed/programs.js';

describe('the test bed programs a system needs', () => {
  it('names the missing programs and their Debian packages', () => {
    const message = missingPrograms(['docket', 'docket2015'], '/nonexistent');
    expect(message).toMatch(/missing ctorrent, opentracker/);
    expect(message).toMatch(/apt-get install -y ctorrent opentracker/);
  });

  it('needs nothing beyond Docker and docket for docket itself', () => {
    expect(missingPrograms(['docket'], '/nonexistent')).toBeUndefined();
  });
});
