import { makeQuerySafeForTfjs } from '../engine/tf-query';

// Before any tfjs import: a malformed query (?x=%%) would make tfjs throw as it loads.
makeQuerySafeForTfjs();
void import('./main');
