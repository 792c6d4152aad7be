// The router's keys and the recordings of replay share one hash: it lives in core/lib.
export { canonicalJson, stableHash } from '../lib/stable-hash.js';
