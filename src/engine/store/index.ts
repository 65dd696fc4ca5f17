export { Store, indexKey, type IndexKey, STORE_FORMAT_VERSION, STORE_MIGRATIONS, type Migration, type StoreFormat, type StoreOptions } from './store.js';
export { FileLock, readHolder, isStale, describeHolder, type LockHolder, type AcquireOptions } from './lock.js';
export { atomicWrite, fsyncDir, pidAlive } from './fsutil.js';
