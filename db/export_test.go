package db

import (
	"encoding/json"
	"os"
	"strings"
	"time"
)

// QueuedWrites is how many write requests wait in the writer's queue, not
// yet taken into a batch (for tests that arrange what one batch holds).
func (db *DB) QueuedWrites() int { return len(db.reqs) }

// WholeBatches is how many batches of responses were committed without a
// savepoint for each (commitWhole). Read it only between writes.
func (db *DB) WholeBatches() int { return db.wholeBatches }

// LockExclusive takes dir's lock as a restore does, until the returned function is called.
func LockExclusive(dir string) (func(), error) {
	f, err := lockDir(dir, true)
	if err != nil {
		return nil, err
	}
	return func() { unlockDir(f, true) }, nil
}

// RehashArchiveForTest changes the actor of entry seq in an archive file and
// makes every hash after it again, as a forger who knows the hash would.
func RehashArchiveForTest(file string, seq int64, user string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	var h archiveHeader
	if err := json.Unmarshal([]byte(lines[0]), &h); err != nil {
		return err
	}
	prev := h.PrevHash
	for i, l := range lines[1:] {
		var e auditRow
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			return err
		}
		if e.Seq == seq {
			e.User = user
		}
		e.Hash = e.hash(prev)
		prev = e.Hash
		nl, err := json.Marshal(e)
		if err != nil {
			return err
		}
		lines[i+1] = string(nl)
	}
	return os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

// SetIdleTruncate sets how long the checkpointer waits without commits
// before it empties the WAL, for databases opened after; the returned
// function sets it back (call it after they are closed).
func SetIdleTruncate(d time.Duration) func() {
	old := idleTruncate
	idleTruncate = d
	return func() { idleTruncate = old }
}
