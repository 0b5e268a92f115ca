import { sqliteEngine } from '../../../helpers/metadata-engines.js';
import { metadataSuite } from './metadata-suite.js';

metadataSuite(sqliteEngine);
