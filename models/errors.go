// Package models holds budgetpoint's domain types and their business rules.
// It imports nothing of gin or database/sql.
package models

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes shared by the API (see contract.md, "Errors").
const (
	EBadRequest  = "bad_request"
	EUnauth      = "unauthenticated"
	EForbidden   = "forbidden"
	ENotFound    = "not_found"
	EConflict    = "conflict"
	ETooLarge    = "too_large"
	EInvalid     = "validation_failed"
	ERateLimited = "rate_limited"
	// ELocked: a login locked after repeated failed sign-ins (423).
	ELocked      = "locked"
	EInternal    = "internal"
	EUnavailable = "unavailable"
	// EMethodNotAllowed: the path exists, but not with this method (405).
	EMethodNotAllowed = "method_not_allowed"
	// EAlreadyAnswered: a deputy's second response to a questionnaire that
	// takes one per deputy (409).
	EAlreadyAnswered = "already_answered"
	// ETopicClosed: a response from a deputy or through a public link
	// while its topic is not open (before opens_at, after closes_at's day).
	ETopicClosed = "topic_closed"
)

// Error is an application error: a stable code and a message safe to show,
// in Chinese with English after it, plus the bad fields for validation errors.
// Err, when set, is what caused it (a database that cannot take data): it is
// for the log only, never shown to the client.
type Error struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Err     error             `json:"-"`
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause, so that errors.Is and errors.As see through.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an application error with the given code and message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation_failed error naming each bad field.
func Invalid(what string, fields map[string]string) *Error {
	return &Error{Code: EInvalid,
		Message: fmt.Sprintf("%s有 %d 处错误 / %s has %d error(s)", what, len(fields), whatEN(what), len(fields)),
		Fields:  fields}
}

var whatNames = map[string]string{"答卷": "the response", "问卷": "the questionnaire", "请求": "the request",
	"事项": "the topic", "活动": "the activity", "意见": "the opinion", "代表": "the deputy", "用户": "the user"}

func whatEN(zh string) string {
	if en, ok := whatNames[zh]; ok {
		return en
	}
	return "the request"
}

// NotFound returns a not_found error for a kind of thing.
func NotFound(zh, en string) *Error {
	return Errorf(ENotFound, "%s不存在 / %s not found", zh, en)
}

// ErrorCode returns the code of an application error, or internal for anything else.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns the application error inside err, if there is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// FilterValue is one filter of a list: its value ("" does not filter) and
// the values it may take.
type FilterValue struct {
	Value   string
	Allowed []string
}

// CheckFilter is bad_request naming each filter whose value is not allowed.
func CheckFilter(filters map[string]FilterValue) error {
	bad := map[string]string{}
	for name, f := range filters {
		if f.Value != "" && !In(f.Value, f.Allowed) {
			bad[name] = "应为 " + strings.Join(f.Allowed, "、") + " 之一 / must be one of " + strings.Join(f.Allowed, ", ")
		}
	}
	if len(bad) > 0 {
		return &Error{Code: EBadRequest, Message: MsgInvalidFilter, Fields: bad}
	}
	return nil
}
