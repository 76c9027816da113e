package db

import (
	"errors"

	"github.com/mattn/go-sqlite3"

	"budgetpoint/models"
)

// The driver's errors are read in this file and nowhere else.
//
// Each method of DB names the operation that failed, and the key it
// concerns, around the error it returns (Wrap), so that an internal error in
// the log says what failed: "submit response 5f…: insert response: database
// or disk is full". Application errors (models.Error) pass unchanged: their
// code and message reach the client as they are. The driver errors that a
// client can act on become application errors here: constraint violations
// where a method expects them (isUnique, isFK: conflict, not_found,
// validation_failed), and a disk that is full or failing (SQLITE_FULL,
// SQLITE_IOERR) unavailable, which keeps the driver's error, with its
// operation, as its cause for the log.

// opError is an error of a named store operation.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// Wrap names the store operation op (with the key it concerns, such as
// "create topic t1") around err, once: an error that already names its
// operation (from a method called by another) passes unchanged, and so does
// an application error, except that the cause of one that has a cause gets
// op. A driver error that means the disk cannot take data becomes
// unavailable. errors.Is and errors.As see through (sql.ErrNoRows stays
// recognisable). Nil stays nil.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var oe *opError
	if errors.As(err, &oe) {
		return err
	}
	if e, ok := models.AsError(err); ok {
		if e.Err == nil {
			return err
		}
		c := *e
		c.Err = &opError{op, e.Err}
		return &c
	}
	return translate(&opError{op, err})
}

// unavailableMessage is what a client is told when SQLite cannot write.
const unavailableMessage = "服务器暂时无法可靠地保存数据，请稍后再试 / the server cannot make data durable right now: try again later"

// translate turns a driver error that means the disk cannot take data (full,
// or failing to read or write) into unavailable, with err as its cause;
// anything else is returned as it is.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := models.AsError(err); ok {
		return err
	}
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrFull || se.Code == sqlite3.ErrIoErr) {
		return &models.Error{Code: models.EUnavailable, Message: unavailableMessage, Err: err}
	}
	return pgTranslate(err)
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// isUnique reports whether err is a unique or primary-key constraint violation.
func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey) || pgUnique(err)
}

// isFK reports whether err is a foreign key violation.
func isFK(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintForeignKey || pgFK(err)
}
