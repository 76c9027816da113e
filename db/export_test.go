package db

// QueuedWrites is how many write requests wait in the writer's queue, not
// yet taken into a batch (for tests that arrange what one batch holds).
func (db *DB) QueuedWrites() int { return len(db.reqs) }
