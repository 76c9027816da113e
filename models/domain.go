package models

import (
	"encoding/json"
	"strings"
	"time"
)

// Topic kinds.
var TopicKinds = []string{"budget_draft", "budget_execution", "final_accounts", "state_assets", "other"}

// Enumerations of the contract.
var (
	RespondentKinds = []string{"deputy", "public", "other"}
	Channels        = []string{"online", "paper"}
	ActivityKinds   = []string{"forum", "field_research", "written"}
	OpinionSources  = []string{"questionnaire", "forum", "field_research", "written", "other"}
	OpinionStatuses = []string{"recorded", "reported", "forwarded", "accepted", "answered", "closed"}
	Evaluations     = []string{"satisfied", "basic", "unsatisfied"}
	DeputyLevels    = []string{"national", "provincial", "municipal", "county", "township"}
	PointRoles      = []string{"admin", "staff", "deputy"}
	HubRoles        = []string{"admin", "committee", "unit"}
)

// Origins of topics and questionnaires.
const (
	OriginLocal     = "local"
	OriginCommittee = "committee"
)

// Topic is what feedback is about (征求意见事项).
type Topic struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	FiscalYear int        `json:"fiscal_year"`
	Title      string     `json:"title"`
	TitleEN    string     `json:"title_en,omitempty"`
	Summary    string     `json:"summary,omitempty"`
	OpensAt    *time.Time `json:"opens_at,omitempty"`
	ClosesAt   *time.Time `json:"closes_at,omitempty"`
	Origin     string     `json:"origin"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// chinaTime is the time of the contact points (UTC+8), in which a topic's
// closing date is a whole day.
var chinaTime = time.FixedZone("CST", 8*3600)

// What a topic's dates say at a moment.
const (
	TopicOpen   = "open"
	TopicNotYet = "not_yet"
	TopicClosed = "closed"
)

// OpenState says whether the topic takes feedback at now: from opens_at,
// through the whole closing day (China time) of closes_at; either missing
// leaves that side open.
func (t *Topic) OpenState(now time.Time) string {
	if t.OpensAt != nil && now.Before(*t.OpensAt) {
		return TopicNotYet
	}
	if t.ClosesAt != nil {
		y, m, d := t.ClosesAt.In(chinaTime).Date()
		if !now.Before(time.Date(y, m, d+1, 0, 0, 0, 0, chinaTime)) {
			return TopicClosed
		}
	}
	return TopicOpen
}

// NotOpen is the refusal of a response from a deputy or through a public
// link while the topic is not open (409 topic_closed), naming its dates;
// nil when it is open.
func (t *Topic) NotOpen(now time.Time) error {
	switch t.OpenState(now) {
	case TopicNotYet:
		d := t.OpensAt.In(chinaTime).Format("2006-01-02")
		return Errorf(ETopicClosed, "本事项的征求意见 %s 开始，现在还不能填写；请到时再打开这个链接 / feedback on this topic opens on %s: open this link again then", d, d)
	case TopicClosed:
		d := t.ClosesAt.In(chinaTime).Format("2006-01-02")
		return Errorf(ETopicClosed, "本事项的征求意见已于 %s 截止，不再接收答卷；如仍有意见，请告诉联系点的工作人员 / feedback on this topic closed on %s: no more responses; if you still want to be heard, tell the contact point's staff", d, d)
	}
	return nil
}

// TopicPatch is a partial update of a topic: nil fields stay as they are.
type TopicPatch struct {
	Kind       *string
	FiscalYear *int
	Title      *string
	TitleEN    *string
	Summary    *string
	OpensAt    *time.Time
	ClosesAt   *time.Time
}

// Respondent says who filled a response.
type Respondent struct {
	Kind        string `json:"kind"`
	DeputyID    string `json:"deputy_id,omitempty"`
	Description string `json:"description,omitempty"`
}

// Response is one filled questionnaire (答卷).
type Response struct {
	ID              string          `json:"id"`
	QuestionnaireID string          `json:"questionnaire_id"`
	Version         int             `json:"version"`
	TopicID         string          `json:"topic_id"`
	Respondent      Respondent      `json:"respondent"`
	Channel         string          `json:"channel"`
	Answers         json.RawMessage `json:"answers"`
	Serial          string          `json:"serial,omitempty"`
	EnteredBy       string          `json:"entered_by,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
}

// Participants counts who took part in an activity.
type Participants struct {
	Deputies int64 `json:"deputies"`
	Public   int64 `json:"public"`
	Other    int64 `json:"other"`
}

// Activity is a forum, a field research visit or a written solicitation.
type Activity struct {
	ID           string       `json:"id"`
	Kind         string       `json:"kind"`
	TopicID      string       `json:"topic_id"`
	Title        string       `json:"title"`
	HeldOn       string       `json:"held_on"`
	Location     string       `json:"location,omitempty"`
	Host         string       `json:"host,omitempty"`
	Participants Participants `json:"participants"`
	DeputyIDs    []string     `json:"deputy_ids,omitempty"`
	Minutes      string       `json:"minutes,omitempty"`
	Opinions     []Opinion    `json:"opinions"`
	PointID      string       `json:"point_id,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
}

// Proposer describes who raised an opinion, by role: never contact details.
type Proposer struct {
	Kind        string `json:"kind"`
	DeputyID    string `json:"deputy_id,omitempty"`
	Name        string `json:"name,omitempty"`
	Level       string `json:"level,omitempty"`
	Description string `json:"description,omitempty"`
}

// Opinion is the unit of qualitative feedback (意见建议) with its closed-loop status.
type Opinion struct {
	ID          string   `json:"id"`
	TopicID     string   `json:"topic_id"`
	Source      string   `json:"source"`
	ActivityID  string   `json:"activity_id,omitempty"`
	ResponseID  string   `json:"response_id,omitempty"`
	QuestionKey string   `json:"question_key,omitempty"`
	Content     string   `json:"content"`
	Proposer    Proposer `json:"proposer"`
	Status      string   `json:"status"`
	Answer      string   `json:"answer,omitempty"`
	Evaluation  string   `json:"evaluation,omitempty"`
	PointID     string   `json:"point_id,omitempty"`
	// Voided: taken back at its point (its response voided, or its text
	// corrected away); kept, counted nowhere, listed nowhere.
	Voided bool `json:"voided,omitempty"`
	// At the hub, once assigned (交办): the round of handling, the lead
	// unit and the assisting ones (ids), the due date (YYYY-MM-DD, China
	// time), and whether it is past due while not answered.
	Round   int      `json:"round,omitempty"`
	Lead    string   `json:"lead,omitempty"`
	Assist  []string `json:"assist,omitempty"`
	Due     string   `json:"due,omitempty"`
	Overdue bool     `json:"overdue,omitempty"`
	// Supervised: reopened under supervision (督办) after an unsatisfied evaluation.
	Supervised bool `json:"supervised,omitempty"`
	// MergedInto: merged (并案) into that opinion, which it follows (its
	// status, units, due date, replies and evaluation); each proposer is
	// still answered.
	MergedInto string `json:"merged_into,omitempty"`
	// FollowUp: a B or C reply is followed up on this date (跟踪, YYYY-MM-DD).
	FollowUp string `json:"follow_up,omitempty"`
	// Grade is the grade of the latest reply (A–D; at a point, as the hub
	// sent it), and LeadName the lead unit's name (at a point: Lead is
	// empty there and LeadName what the hub sent).
	Grade    string `json:"grade,omitempty"`
	LeadName string `json:"lead_name,omitempty"`
	// Replies (each round's, oldest first), Views (the assisting units'
	// 协办意见) and History (every step at the hub: who, when, what) come
	// with one opinion read at the hub, not in lists.
	Replies    []Reply       `json:"replies,omitempty"`
	Views      []View        `json:"views,omitempty"`
	History    []OpinionStep `json:"history,omitempty"`
	RecordedAt time.Time     `json:"recorded_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
	// CreatedBy is the login that recorded it at the point (0: none); it
	// never leaves the point.
	CreatedBy int64 `json:"-"`
}

// Reply is a lead unit's reply to an opinion (答复), with its grade.
type Reply struct {
	Round   int       `json:"round"`
	Unit    string    `json:"unit"`
	Grade   string    `json:"grade"`
	Content string    `json:"content"`
	At      time.Time `json:"at"`
}

// View is an assisting unit's view on an opinion (协办意见), for the lead unit.
type View struct {
	Round   int       `json:"round"`
	Unit    string    `json:"unit"`
	Content string    `json:"content"`
	At      time.Time `json:"at"`
}

// Grades are the grades of a unit's reply (答复类别): A solved, B being
// solved, C planned, D kept for reference.
var Grades = []string{"A", "B", "C", "D"}

// OpinionStep is one step of an opinion at the hub.
type OpinionStep struct {
	At     time.Time      `json:"at"`
	Actor  string         `json:"actor"`
	Action string         `json:"action"` // assign | accept | return | view | reply | reopen | merge | merged
	Detail map[string]any `json:"detail,omitempty"`
}

// OpinionFilter selects opinions; empty fields do not filter.
type OpinionFilter struct {
	Topic, Source, Status, Point string
	DeputyID                     string // only this deputy's own
	CreatedBy                    int64  // or recorded by this user
	Limit                        int
	After                        string
}

// Deputy is a people's deputy in the registry (人大代表).
type Deputy struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Level     string    `json:"level"`
	Unit      string    `json:"unit,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	IDNumber  string    `json:"id_number,omitempty"`
	Liaison   bool      `json:"liaison"`
	CreatedAt time.Time `json:"created_at"`
}

// Masked returns the deputy with phone and ID number masked, as lists show
// them: 139****1234, 5304**********5511.
func (d Deputy) Masked() Deputy {
	d.Phone, d.IDNumber = Mask(d.Phone, 3, 4), Mask(d.IDNumber, 4, 4)
	return d
}

// Mask keeps the first head and last tail characters of s and stars the
// rest; a value too short to keep both is all stars.
func Mask(s string, head, tail int) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// WithoutContact returns the deputy without phone and ID number.
func (d Deputy) WithoutContact() Deputy {
	d.Phone, d.IDNumber = "", ""
	return d
}

// User is a login.
type User struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	DeputyID string `json:"deputy_id,omitempty"`
	// UnitID: a unit login's unit (承办单位), at the hub.
	UnitID    string    `json:"unit_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// MustChangePassword: the password was generated or reset by an admin,
	// and must be changed before anything else (POST /api/v1/me/password).
	MustChangePassword bool `json:"must_change_password"`
	// Disabled: refused everywhere, its tokens too, until enabled again.
	Disabled bool `json:"disabled"`
}

// Page is one page of a list and the cursor for the next.
type Page[T any] struct {
	Items []T     `json:"items"`
	Next  *string `json:"next"`
}

// ValidTransition reports whether the committee may move an opinion from one
// status to another along the closed loop: to forwarded from recorded or
// reported; to answered from any state before it; to closed only once answered.
func ValidTransition(from, to string) bool {
	switch to {
	case "forwarded":
		return from == "recorded" || from == "reported"
	case "accepted":
		return from == "forwarded"
	case "answered":
		return from == "recorded" || from == "reported" || from == "forwarded" || from == "accepted"
	case "closed":
		return from == "answered"
	}
	return false
}

// In reports whether s is one of the values.
func In(s string, values []string) bool {
	for _, v := range values {
		if v == s {
			return true
		}
	}
	return false
}
