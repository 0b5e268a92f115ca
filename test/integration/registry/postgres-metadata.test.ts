import { postgresEngine } from '../../helpers/metadata-engines.js';
import { metadataSuite } from '../../unit/registry/metadata/metadata-suite.js';

// The metadata port's shared suite on PostgreSQL (the unit tier runs it on SQLite):
// a new database per test on the server the global setup started.
metadataSuite(postgresEngine);
