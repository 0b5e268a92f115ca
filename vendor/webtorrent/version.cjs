// Exports package.json to work around "with" and "assert" for backwards compatability.
// docket patch: upstream's version (3.0.21, not the fork's 3.0.21-docket.N), so the peer id
// prefix (-WW0300-), the user agent and createdBy stay upstream's.
module.exports = require('./package.json').version.replace(/-docket\.\d+$/, '')
