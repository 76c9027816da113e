// Package syncproto is the wire protocol between a contact point and the
// committee hub (contract.md, "Sync"): the batch a point pushes, the updates
// it pulls, and the HMAC signature both ends compute. The point side
// (package syncer) and the hub side (package hub) both use it, so the two
// cannot drift apart.
package syncproto

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"budgetpoint/models"
)

// Header names of every sync request.
const (
	HeaderPointID   = "X-Point-ID"
	HeaderTimestamp = "X-Timestamp"
	HeaderSignature = "X-Signature"
	// HeaderSignatureVersion says how X-Signature was made: "2" (Sign: over
	// the request URI with its query, and the point id), or absent / "1"
	// (SignV1: over the path only; the hub takes it only while started with
	// --accept-signature-v1).
	HeaderSignatureVersion = "X-Signature-Version"
)

// Paths of the hub's sync endpoints.
const (
	PathBatches = "/api/v1/sync/batches"
	PathUpdates = "/api/v1/sync/updates"
)

// Window is how far a request's X-Timestamp may be from the hub's clock.
const Window = 10 * time.Minute

// MaxBatchBytes is the largest batch body the hub accepts.
const MaxBatchBytes = 16 << 20

// TimeLayout is how X-Timestamp is written (RFC 3339 with zone).
const TimeLayout = time.RFC3339

// Batch is what a point pushes to POST /api/v1/sync/batches.
type Batch struct {
	BatchID    string            `json:"batch_id"`
	PointID    string            `json:"point_id"`
	Summaries  []models.Summary  `json:"summaries"`
	Activities []models.Activity `json:"activities"`
	Opinions   []models.Opinion  `json:"opinions"`
	// Topics are the topics the point created itself, so that the hub
	// shows their titles (committee topics are the hub's own).
	Topics []models.Topic `json:"topics,omitempty"`
}

// BatchAck is the hub's 200 answer to a batch: stored, all but Rejected.
type BatchAck struct {
	BatchID   string `json:"batch_id"`
	Duplicate bool   `json:"duplicate"`
	// Rejected: what the hub did not store, and why (the same again for a
	// duplicate). The point keeps these aside and does not send them again.
	Rejected []Rejection `json:"rejected,omitempty"`
}

// Kinds of what a batch carries, as a Rejection names them.
const (
	KindSummary  = "summary"
	KindActivity = "activity"
	KindOpinion  = "opinion"
	KindTopic    = "topic"
)

// Rejection is one item of a batch the hub did not store: its kind, its id
// (a summary's: its topic id), a code (models.EConflict: the id belongs to
// another point; models.EInvalid: over the limits), and what is wrong.
type Rejection struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Updates is the hub's answer to GET /api/v1/sync/updates?since=<cursor>.
// A point that has no cursor yet sends since= empty (or leaves it out) and
// gets everything published for it. Next is opaque: store it durably after
// applying the answer and pass it back as since next time (it equals since
// when nothing changed).
//
// Topics come before the questionnaires that belong to them; each entry of
// Questionnaires is one published version (Version; Origin "committee"), in
// ascending version order. Each item is the current state of the thing, so
// applying an answer twice is harmless. When More is true the hub held back
// the rest: pull again with Next right away.
type Updates struct {
	Topics         []models.Topic         `json:"topics"`
	Questionnaires []models.Questionnaire `json:"questionnaires"`
	OpinionUpdates []OpinionUpdate        `json:"opinion_updates"`
	Next           string                 `json:"next"`
	More           bool                   `json:"more,omitempty"`
}

// OpinionUpdate is a status change the committee made to one of the point's
// opinions, with its answer and, once closed, the proposer's evaluation.
type OpinionUpdate struct {
	ID         string    `json:"id"`
	Status     string    `json:"status"`
	Answer     string    `json:"answer,omitempty"`
	Evaluation string    `json:"evaluation,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Round: the round of handling (0: not assigned to a unit); a higher
	// round may bring the status back to forwarded (重办).
	Round int `json:"round,omitempty"`
	// The story at the hub: the lead unit's name, the due date
	// (YYYY-MM-DD), whether it is under supervision (督办), the latest
	// reply (its grade and content; Answer repeats the content for points
	// from before) and the date a B or C reply is followed up.
	Lead       string       `json:"lead,omitempty"`
	Due        string       `json:"due,omitempty"`
	Supervised bool         `json:"supervised,omitempty"`
	Reply      *ReplyUpdate `json:"reply,omitempty"`
	FollowUp   string       `json:"follow_up,omitempty"`
}

// ReplyUpdate is a unit's latest reply to an opinion, as a point is told it.
type ReplyUpdate struct {
	Grade   string    `json:"grade"`
	Content string    `json:"content"`
	Unit    string    `json:"unit"` // its name
	At      time.Time `json:"at"`
}

// Sign returns the signature of version 2: hex(HMAC-SHA256(secret,
// timestamp "\n" method "\n" uri "\n" pointID "\n" body)), where uri is the
// request URI (RequestURI: the path, and "?" and the raw query when there is
// one), so that neither the query (a pull's since) nor the point can be
// changed under a signature.
func Sign(secret, timestamp, method, uri, pointID string, body []byte) string {
	return mac(secret, body, timestamp, method, uri, pointID)
}

// SignV1 is the signature of version 1, over the path alone and without the
// point id: hex(HMAC-SHA256(secret, timestamp "\n" method "\n" path "\n" body)).
func SignV1(secret, timestamp, method, path string, body []byte) string {
	return mac(secret, body, timestamp, method, path)
}

func mac(secret string, body []byte, parts ...string) string {
	m := hmac.New(sha256.New, []byte(secret))
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{'\n'})
	}
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// RequestURI is what version 2 signs of a request's URL: its escaped path,
// and "?" and the raw query when there is one.
func RequestURI(u *url.URL) string {
	if u.RawQuery == "" {
		return u.EscapedPath()
	}
	return u.EscapedPath() + "?" + u.RawQuery
}

// equal reports whether signature (hex) equals want (hex), in constant time.
func equal(signature, want string) bool {
	got, err := hex.DecodeString(signature)
	if err != nil {
		return false
	}
	w, _ := hex.DecodeString(want)
	return hmac.Equal(got, w)
}

// Verify checks a request's signature over body: version 2 when the request
// says X-Signature-Version: 2, version 1 when it says 1 or nothing. It
// returns the version the request claims and whether the signature is right.
func Verify(secret string, r *http.Request, body []byte) (version int, ok bool) {
	stamp, sig := r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature)
	switch r.Header.Get(HeaderSignatureVersion) {
	case "2":
		return 2, equal(sig, Sign(secret, stamp, r.Method, RequestURI(r.URL), r.Header.Get(HeaderPointID), body))
	case "", "1":
		return 1, equal(sig, SignV1(secret, stamp, r.Method, r.URL.Path, body))
	}
	return 0, false
}

// Errors of CheckTimestamp.
var (
	ErrNoTimestamp  = errors.New("missing X-Timestamp")
	ErrBadTimestamp = errors.New("X-Timestamp is not RFC 3339")
	ErrOutOfWindow  = errors.New("X-Timestamp is more than 10 minutes off the hub's clock")
)

// CheckTimestamp checks that timestamp parses and lies within Window of now.
func CheckTimestamp(timestamp string, now time.Time) error {
	if timestamp == "" {
		return ErrNoTimestamp
	}
	t, err := time.Parse(time.RFC3339, timestamp)
	if err != nil {
		return ErrBadTimestamp
	}
	d := now.Sub(t)
	if d > Window || d < -Window {
		return fmt.Errorf("%w (%s)", ErrOutOfWindow, d.Round(time.Second))
	}
	return nil
}

// SignRequest sets the sync headers on req for a body about to be sent (nil
// for a GET), signed with version 2 over req.URL's request URI.
func SignRequest(req *http.Request, pointID, secret string, body []byte, now time.Time) {
	ts := now.Format(TimeLayout)
	req.Header.Set(HeaderPointID, pointID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignatureVersion, "2")
	req.Header.Set(HeaderSignature, Sign(secret, ts, req.Method, RequestURI(req.URL), pointID, body))
}

// SignRequestV1 signs as points did before version 2 (no version header),
// for tests of the hub's --accept-signature-v1.
func SignRequestV1(req *http.Request, pointID, secret string, body []byte, now time.Time) {
	ts := now.Format(TimeLayout)
	req.Header.Set(HeaderPointID, pointID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Del(HeaderSignatureVersion)
	req.Header.Set(HeaderSignature, SignV1(secret, ts, req.Method, req.URL.Path, body))
}
