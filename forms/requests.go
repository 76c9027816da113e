package forms

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"budgetpoint/models"
)

// TopicRequest creates a topic.
type TopicRequest struct {
	ID         string     `json:"id" form:"id" label:"编号,id" binding:"omitempty,max=64"`
	Kind       string     `json:"kind" form:"kind" label:"类别,kind" binding:"required,oneof=budget_draft budget_execution final_accounts state_assets other"`
	FiscalYear int        `json:"fiscal_year" form:"fiscal_year" label:"年度,fiscal year" binding:"required,gte=2000,lte=2100"`
	Title      string     `json:"title" form:"title" label:"标题,title" binding:"required,max=200"`
	TitleEN    string     `json:"title_en" form:"title_en" label:"英文标题,English title" binding:"max=200"`
	Summary    string     `json:"summary" form:"summary" label:"说明,summary" binding:"max=2000"`
	OpensAt    *time.Time `json:"opens_at" form:"opens_at" label:"开始时间,opens at"`
	ClosesAt   *time.Time `json:"closes_at" form:"closes_at" label:"截止时间,closes at"` // checked against opens_at in Topic (gtefield refuses a deadline without a start)
}

// Topic converts the request, giving it an id when it has none.
func (r *TopicRequest) Topic() (models.Topic, error) {
	if r.ID == "" {
		r.ID = "t-" + uuid.NewString()[:8]
	}
	if !models.ValidID(r.ID) {
		return models.Topic{}, models.Invalid("事项", map[string]string{"id": models.MsgBadID})
	}
	if r.OpensAt != nil && r.ClosesAt != nil && r.ClosesAt.Before(*r.OpensAt) {
		return models.Topic{}, models.Invalid("事项", map[string]string{"closes_at": models.MsgClosesBeforeOpens})
	}
	return models.Topic{ID: r.ID, Kind: r.Kind, FiscalYear: r.FiscalYear, Title: strings.TrimSpace(r.Title), TitleEN: r.TitleEN,
		Summary: r.Summary, OpensAt: r.OpensAt, ClosesAt: r.ClosesAt}, nil
}

// TopicPatchRequest changes some fields of a topic.
type TopicPatchRequest struct {
	Kind       *string    `json:"kind" label:"类别,kind" binding:"omitempty,oneof=budget_draft budget_execution final_accounts state_assets other"`
	FiscalYear *int       `json:"fiscal_year" label:"年度,fiscal year" binding:"omitempty,gte=2000,lte=2100"`
	Title      *string    `json:"title" label:"标题,title" binding:"omitempty,min=1,max=200"`
	TitleEN    *string    `json:"title_en" label:"英文标题,English title" binding:"omitempty,max=200"`
	Summary    *string    `json:"summary" label:"说明,summary" binding:"omitempty,max=2000"`
	OpensAt    *time.Time `json:"opens_at" label:"开始时间,opens at"`
	ClosesAt   *time.Time `json:"closes_at" label:"截止时间,closes at"`
}

// Patch converts the request.
func (r *TopicPatchRequest) Patch() models.TopicPatch {
	return models.TopicPatch{Kind: r.Kind, FiscalYear: r.FiscalYear, Title: r.Title, TitleEN: r.TitleEN, Summary: r.Summary, OpensAt: r.OpensAt, ClosesAt: r.ClosesAt}
}

// QuestionnairePatchRequest opens or closes public filling.
type QuestionnairePatchRequest struct {
	Public *bool `json:"public" label:"公开填写,public" binding:"required"`
}

// RespondentRequest says who answered.
type RespondentRequest struct {
	Kind        string `json:"kind" label:"答卷人类别,respondent kind" binding:"required,oneof=deputy public other"`
	DeputyID    string `json:"deputy_id" label:"代表,deputy" binding:"max=64"`
	Description string `json:"description" label:"身份说明,description" binding:"max=200"`
}

// ResponseRequest is a response submission (contract.md, "Response submission").
type ResponseRequest struct {
	ID         string                     `json:"id" label:"答卷编号,id" binding:"omitempty,uuid"`
	Version    int                        `json:"version" label:"版本,version" binding:"gte=0"`
	Respondent RespondentRequest          `json:"respondent" label:"答卷人,respondent"`
	Channel    string                     `json:"channel" label:"填写方式,channel" binding:"omitempty,oneof=online paper"`
	Answers    map[string]json.RawMessage `json:"answers" label:"答案,answers" binding:"required"`
	Serial     string                     `json:"serial" label:"问卷编号,serial number" binding:"max=64"`
}

// ProposerRequest says who raised an opinion.
type ProposerRequest struct {
	Kind        string `json:"kind" label:"提出人类别,proposer kind" binding:"required,oneof=deputy public other"`
	DeputyID    string `json:"deputy_id" label:"代表,deputy" binding:"max=64"`
	Name        string `json:"name" label:"姓名,name" binding:"max=50"`
	Level       string `json:"level" label:"代表层级,level" binding:"omitempty,oneof=national provincial municipal county township"`
	Description string `json:"description" label:"身份说明,description" binding:"max=200"`
}

func (p ProposerRequest) model() models.Proposer {
	return models.Proposer{Kind: p.Kind, DeputyID: p.DeputyID, Name: strings.TrimSpace(p.Name), Level: p.Level, Description: strings.TrimSpace(p.Description)}
}

// ActivityOpinionRequest is an opinion raised at an activity.
type ActivityOpinionRequest struct {
	ID       string          `json:"id" label:"意见编号,id" binding:"omitempty,uuid"`
	Content  string          `json:"content" label:"意见内容,content" binding:"required,max=5000"`
	Proposer ProposerRequest `json:"proposer" label:"提出人,proposer"`
}

// ActivityRequest records a forum, field research visit or written solicitation.
type ActivityRequest struct {
	ID           string                   `json:"id" label:"活动编号,id" binding:"omitempty,uuid"`
	Kind         string                   `json:"kind" label:"活动类别,kind" binding:"required,oneof=forum field_research written"`
	TopicID      string                   `json:"topic_id" label:"征求意见事项,topic" binding:"required,max=64"`
	Title        string                   `json:"title" label:"活动名称,title" binding:"required,max=200"`
	HeldOn       string                   `json:"held_on" label:"日期,date" binding:"required,datetime=2006-01-02"`
	Location     string                   `json:"location" label:"地点,location" binding:"max=200"`
	Host         string                   `json:"host" label:"主持单位,host" binding:"max=200"`
	Participants ParticipantsRequest      `json:"participants" label:"参加人数,participants"`
	DeputyIDs    []string                 `json:"deputy_ids" label:"参加代表,deputies" binding:"max=500,dive,max=64"`
	Minutes      string                   `json:"minutes" label:"纪要,minutes" binding:"max=20000"`
	Opinions     []ActivityOpinionRequest `json:"opinions" label:"意见建议,opinions" binding:"max=500,dive"`
}

// ParticipantsRequest counts participants.
type ParticipantsRequest struct {
	Deputies int64 `json:"deputies" label:"代表人数,deputies" binding:"gte=0,lte=100000"`
	Public   int64 `json:"public" label:"群众人数,public" binding:"gte=0,lte=100000"`
	Other    int64 `json:"other" label:"其他人数,other" binding:"gte=0,lte=100000"`
}

// Activity converts the request. Opinions without an id get one derived
// from the activity's, so that a resubmission is recognised.
func (r *ActivityRequest) Activity() models.Activity {
	if r.ID == "" {
		r.ID = uuid.NewString()
	}
	if len(r.DeputyIDs) == 0 {
		r.DeputyIDs = nil // "deputy_ids": [] and no deputy_ids are the same content
	}
	a := models.Activity{ID: r.ID, Kind: r.Kind, TopicID: r.TopicID, Title: strings.TrimSpace(r.Title), HeldOn: r.HeldOn, Location: r.Location, Host: r.Host,
		Participants: models.Participants{Deputies: r.Participants.Deputies, Public: r.Participants.Public, Other: r.Participants.Other},
		DeputyIDs:    r.DeputyIDs, Minutes: r.Minutes, Opinions: []models.Opinion{}}
	for i, o := range r.Opinions {
		id := o.ID
		if id == "" {
			id = uuid.NewSHA1(uuid.NameSpaceOID, []byte(r.ID+"/opinion/"+strconv.Itoa(i))).String()
		}
		a.Opinions = append(a.Opinions, models.Opinion{ID: id, Content: strings.TrimSpace(o.Content), Proposer: o.Proposer.model()})
	}
	return a
}

// OpinionRequest records one opinion.
type OpinionRequest struct {
	ID         string          `json:"id" label:"意见编号,id" binding:"omitempty,uuid"`
	TopicID    string          `json:"topic_id" label:"征求意见事项,topic" binding:"required,max=64"`
	Source     string          `json:"source" label:"来源,source" binding:"required,oneof=questionnaire forum field_research written other"`
	ActivityID string          `json:"activity_id" label:"活动,activity" binding:"omitempty,max=64"`
	Content    string          `json:"content" label:"意见内容,content" binding:"required,max=5000"`
	Proposer   ProposerRequest `json:"proposer" label:"提出人,proposer"`
}

// Opinion converts the request.
func (r *OpinionRequest) Opinion() models.Opinion {
	if r.ID == "" {
		r.ID = uuid.NewString()
	}
	return models.Opinion{ID: r.ID, TopicID: r.TopicID, Source: r.Source, ActivityID: r.ActivityID, Content: strings.TrimSpace(r.Content), Proposer: r.Proposer.model()}
}

// DeputyRequest adds a deputy to the registry.
// The API (JSON) and the deputies page (form) decode into it alike.
type DeputyRequest struct {
	ID       string `json:"id" form:"id" label:"编号,id" binding:"omitempty,max=64"`
	Name     string `json:"name" form:"name" label:"姓名,name" binding:"required,max=50"`
	Level    string `json:"level" form:"level" label:"代表层级,level" binding:"required,oneof=national provincial municipal county township"`
	Unit     string `json:"unit" form:"unit" label:"工作单位,unit" binding:"max=200"`
	Phone    string `json:"phone" form:"phone" label:"电话,phone" binding:"omitempty,max=32"`
	IDNumber string `json:"id_number" form:"id_number" label:"身份证号,ID number" binding:"omitempty,len=18"`
	Liaison  bool   `json:"liaison" form:"liaison" label:"预算审查联系代表,liaison deputy"`
}

// Deputy converts the request.
func (r *DeputyRequest) Deputy() (models.Deputy, error) {
	if r.ID == "" {
		r.ID = "d-" + uuid.NewString()[:8]
	}
	if !models.ValidID(r.ID) {
		return models.Deputy{}, models.Invalid("代表", map[string]string{"id": models.MsgBadID})
	}
	return models.Deputy{ID: r.ID, Name: strings.TrimSpace(r.Name), Level: r.Level, Unit: strings.TrimSpace(r.Unit),
		Phone: strings.TrimSpace(r.Phone), IDNumber: strings.TrimSpace(r.IDNumber), Liaison: r.Liaison}, nil
}

// UserRequest adds a login.
type UserRequest struct {
	Name     string `json:"name" form:"name" label:"用户名,user name" binding:"required,min=2,max=32"`
	Role     string `json:"role" form:"role" label:"角色,role" binding:"required,oneof=admin staff deputy committee unit"`
	Password string `json:"password" form:"password" label:"密码,password" binding:"max=72"`
	DeputyID string `json:"deputy_id" form:"deputy_id" label:"代表,deputy" binding:"max=64"`
	UnitID   string `json:"unit_id" form:"unit_id" label:"承办单位,unit" binding:"max=64"`
}

// LoginRequest signs in.
type LoginRequest struct {
	Name     string `json:"name" form:"name" label:"用户名,user name" binding:"required,max=64"`
	Password string `json:"password" form:"password" label:"密码,password" binding:"required,max=72"`
}

// PasswordChange changes one's own password (POST /api/v1/me/password, and
// the page 修改密码).
type PasswordChange struct {
	Current string `json:"current" form:"current" label:"当前密码,current password" binding:"required,max=72"`
	New     string `json:"new" form:"new" label:"新密码,new password" binding:"required,max=72"`
}

// PasswordReset is an admin's new password for a login; empty: generated.
type PasswordReset struct {
	Password string `json:"password" form:"password" label:"密码,password" binding:"max=72"`
}

// UserPatch changes a login (PATCH /api/v1/users/{id}): only whether it is
// disabled, for now.
type UserPatch struct {
	Disabled *bool `json:"disabled" binding:"required"`
}

// Correction corrects a stored response (PATCH /api/v1/responses/{id}):
// its new answers and why (the reason is checked by the store).
type Correction struct {
	Answers map[string]json.RawMessage `json:"answers" label:"答案,answers" binding:"required"`
	Reason  string                     `json:"reason"`
}

// Void voids a stored response (DELETE /api/v1/responses/{id}).
type Void struct {
	Reason string `json:"reason"`
}

// ActivityCorrection corrects a stored activity (PATCH
// /api/v1/activities/{id}): each field given replaces the stored one; the
// reason is required (checked by the store).
type ActivityCorrection struct {
	Title        *string              `json:"title" label:"活动名称,title" binding:"omitempty,max=200"`
	HeldOn       *string              `json:"held_on" label:"日期,date" binding:"omitempty,datetime=2006-01-02"`
	Location     *string              `json:"location" label:"地点,location" binding:"omitempty,max=200"`
	Host         *string              `json:"host" label:"主持单位,host" binding:"omitempty,max=200"`
	Participants *ParticipantsRequest `json:"participants" label:"参加人数,participants"`
	DeputyIDs    *[]string            `json:"deputy_ids" label:"参加代表,deputies" binding:"omitempty,max=500,dive,max=64"`
	Minutes      *string              `json:"minutes" label:"纪要,minutes" binding:"omitempty,max=20000"`
	Reason       string               `json:"reason"`
}
