package db

// QueuedWrites is how many write requests wait in the writer's queue, not
// yet taken into a batch (for tests that arrange what one batch holds).
func (db *DB) QueuedWrites() int { return len(db.reqs) }

// LockExclusive takes dir's lock as a restore does, until the returned function is called.
func LockExclusive(dir string) (func(), error) {
	f, err := lockDir(dir, true)
	if err != nil {
		return nil, err
	}
	return func() { unlockDir(f, true) }, nil
}
