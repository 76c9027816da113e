package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/forms"
	"budgetpoint/models"
)

var activityMessages = map[string][2]string{
	"act.need_deputy":  {"请选择提出意见的代表", "choose the deputy who raised it"},
	"act.title":        {"活动", "Activities"},
	"act.new":          {"记录活动", "Record an activity"},
	"act.none":         {"还没有记录活动。", "No activities recorded yet."},
	"act.kind":         {"活动类别", "Kind"},
	"act.name":         {"活动名称", "Title"},
	"act.date":         {"日期", "Date"},
	"act.location":     {"地点", "Place"},
	"act.host":         {"主持单位或主持人", "Host"},
	"act.participants": {"参加人数", "Participants"},
	"act.p_deputies":   {"人大代表人数", "Deputies"},
	"act.p_public":     {"群众人数", "Members of the public"},
	"act.p_other":      {"其他人数（如部门工作人员）", "Others (e.g. officials)"},
	"act.deputies":     {"参加的人大代表（从代表名册中选择）", "Attending deputies (from the registry)"},
	"act.minutes":      {"纪要", "Minutes"},
	"act.correct":      {"更正这次活动", "Correct this activity"},
	"act.correct_hint": {"例如参加人数录错了：改成正确的数字，写明原因。原来的内容会保留在更正记录里，汇总会按差额调整。", "For example when the attendance was typed wrong: put the right figures and say why. What was there stays in the record of corrections, and the summary moves by the difference."},
	"act.was":          {"更正前：%s；代表 %d · 群众 %d · 其他 %d", "Before: %s; deputies %d · public %d · other %d"},
	"act.by":           {"%s 由 %s 更正：%s", "%s, corrected by %s: %s"},
	"act.opinions":     {"提出的意见建议", "Opinions raised"},
	"act.opinion":      {"第 %d 条意见", "Opinion %d"},
	"act.pdeputy":      {"提出意见的代表", "Deputy who raised it"},
	"act.pdesc":        {"提出人说明（可不填，例如“个体工商户”）", "About the proposer (optional, e.g. “shop owner”)"},
	"act.add_row":      {"再添一条意见", "Add another opinion"},
	"act.empty_rows":   {"意见内容为空的行不会保存。", "Rows with no content are not saved."},
	"act.save":         {"保存活动", "Save the activity"},
	"act.saved":        {"活动已保存，记录了 %d 条意见建议", "Activity saved with %d opinions"},
	"act.count":        {"意见数", "Opinions"},
	"op.title":         {"意见建议", "Opinions"},
	"op.none":          {"没有符合条件的意见建议。", "No opinions match."},
	"op.content":       {"意见内容", "Content"},
	"op.source":        {"来源", "Source"},
	"op.proposer":      {"提出人", "Raised by"},
	"op.status":        {"状态", "Status"},
	"op.answer":        {"预工委答复", "The committee's answer"},
	"op.evaluation":    {"评价", "Evaluation"},
	"op.recorded":      {"记录时间", "Recorded"},
	"story.lead":       {"承办单位", "Lead unit"},
	"story.due":        {"办理期限", "Due"},
	"story.round":      {"第 %d 轮办理", "round %d of handling"},
	"story.supervised": {"督办", "under supervision"},
	"story.reply":      {"答复", "Reply"},
	"story.grade":      {"答复类别", "Grade of the reply"},
	"story.follow_up":  {"跟踪日期", "Followed up on"},
	"story.last_eval":  {"上一轮评价", "Evaluation of the round before"},
	"dep.title":        {"人大代表", "Deputies"},
	"dep.none":         {"代表名册为空。", "The registry is empty."},
	"dep.name":         {"姓名", "Name"},
	"dep.level":        {"代表层级", "Level"},
	"dep.unit":         {"工作单位", "Unit"},
	"dep.phone":        {"电话", "Phone"},
	"dep.idnumber":     {"身份证号", "ID number"},
	"dep.liaison":      {"预算审查联系代表", "Liaison deputy"},
	"dep.add":          {"添加代表", "Add a deputy"},
	"dep.added":        {"已添加代表", "Deputy added"},
	"dep.private":      {"联系方式只有本联系点的工作人员能看到，不会报送预工委。列表中只显示部分号码，点姓名查看完整号码（每次查看都记入审计日志）。", "Contact details are visible to this point's staff only and are never sent to the committee. The list shows them in part: open a deputy's name for the whole numbers (each such view is recorded in the audit log)."},
	"dep.whole":        {"完整联系方式：这次查看已记入审计日志。", "Whole contact details: this view is recorded in the audit log."},
	"dep.back":         {"返回代表名册", "Back to the registry"},
}

type actRow struct {
	Content, PKind, PDeputy, PDesc string
}

type actFormData struct {
	ID, Kind, TopicID, Title, HeldOn, Location, Host string
	PDep, PPub, POth, Minutes                        string
	DeputyIDs                                        []string
	Rows                                             []actRow
	Topics                                           []models.Topic
	Deputies                                         []models.Deputy
	Kinds                                            []string
	// Focus is the opinion row (1-based) focused when the form comes back
	// after 添加一条意见, so that the page does not jump to the top.
	Focus int
}

func (a *App) allDeputies(c *gin.Context) ([]models.Deputy, error) {
	return allPages(func(after string) (models.Page[models.Deputy], error) {
		return a.S.DB.Deputies(c.Request.Context(), 500, after)
	})
}

func (a *App) activityForm(c *gin.Context) {
	d := &actFormData{ID: uuid.NewString(), Kind: "forum", TopicID: c.Query("topic"), HeldOn: a.S.DB.Now().Format("2006-01-02"),
		PDep: "0", PPub: "0", POth: "0", Rows: []actRow{{PKind: "deputy"}, {PKind: "public"}}}
	a.renderActivityForm(c, http.StatusOK, d, nil)
}

func (a *App) renderActivityForm(c *gin.Context, status int, d *actFormData, errs map[string]string) {
	var err error
	if d.Topics, err = a.allTopics(c); err == nil {
		d.Deputies, err = a.allDeputies(c)
	}
	if err != nil {
		a.Error(c, err)
		return
	}
	d.Kinds = models.ActivityKinds
	v := a.View(c, "act.new", d)
	v.Nav, v.Errors = "activities", errs
	a.Render(c, status, "activity_form.html", v)
}

func (a *App) activitySubmit(c *gin.Context) {
	if err := parseForm(c); err != nil {
		a.Error(c, err)
		return
	}
	d := &actFormData{ID: c.PostForm("id"), Kind: c.PostForm("kind"), TopicID: c.PostForm("topic_id"), Title: c.PostForm("title"), HeldOn: c.PostForm("held_on"),
		Location: c.PostForm("location"), Host: c.PostForm("host"), PDep: c.PostForm("p_deputies"), PPub: c.PostForm("p_public"), POth: c.PostForm("p_other"),
		Minutes: c.PostForm("minutes"), DeputyIDs: c.PostFormArray("deputy_ids")}
	if _, err := uuid.Parse(d.ID); err != nil {
		d.ID = uuid.NewString()
	}
	n, _ := strconv.Atoi(c.PostForm("rows"))
	if n > 500 {
		n = 500
	}
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("o%d_", i)
		d.Rows = append(d.Rows, actRow{Content: c.PostForm(p + "content"), PKind: c.PostForm(p + "kind"), PDeputy: c.PostForm(p + "deputy"), PDesc: c.PostForm(p + "desc")})
	}
	if c.PostForm("op") == "add_row" {
		d.Rows = append(d.Rows, actRow{PKind: "public"})
		d.Focus = len(d.Rows)
		a.renderActivityForm(c, http.StatusOK, d, nil)
		return
	}
	bad := map[string]string{}
	count := func(s, field string) int64 {
		s = strings.TrimSpace(s)
		if s == "" {
			return 0
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			bad[field] = both("err.whole")
		}
		return v
	}
	req := forms.ActivityRequest{ID: d.ID, Kind: d.Kind, TopicID: d.TopicID, Title: d.Title, HeldOn: d.HeldOn, Location: strings.TrimSpace(d.Location),
		Host: strings.TrimSpace(d.Host), Minutes: strings.TrimSpace(d.Minutes), DeputyIDs: d.DeputyIDs,
		Participants: forms.ParticipantsRequest{Deputies: count(d.PDep, "participants.deputies"), Public: count(d.PPub, "participants.public"), Other: count(d.POth, "participants.other")}}
	rowOf := map[int]int{} // request opinion index → form row
	for i, r := range d.Rows {
		if strings.TrimSpace(r.Content) == "" {
			continue
		}
		pr := forms.ProposerRequest{Kind: r.PKind, Description: strings.TrimSpace(r.PDesc)}
		if r.PKind == "deputy" {
			pr.DeputyID = r.PDeputy
			if r.PDeputy == "" {
				bad[fmt.Sprintf("opinions[%d].proposer.deputy_id", i)] = both("act.need_deputy")
			}
		}
		rowOf[len(req.Opinions)] = i
		req.Opinions = append(req.Opinions, forms.ActivityOpinionRequest{Content: r.Content, Proposer: pr})
	}
	err := forms.Check("活动", &req)
	var created bool
	var act models.Activity
	if err == nil && len(bad) == 0 {
		act = req.Activity()
		created, err = a.S.DB.CreateActivity(c.Request.Context(), &act, sessionUser(c).ID)
	}
	if fe := FieldErrors(err); fe != nil || len(bad) > 0 {
		for k, v := range fe {
			// opinions[i] of the request is row rowOf[i] of the form.
			var i int
			if _, e := fmt.Sscanf(k, "opinions[%d]", &i); e == nil {
				if r, ok := rowOf[i]; ok {
					k = fmt.Sprintf("opinions[%d]", r) + k[strings.Index(k, "]")+1:]
				}
			}
			bad[k] = v
		}
		a.renderActivityForm(c, http.StatusUnprocessableEntity, d, bad)
		return
	}
	if err != nil {
		a.Error(c, err)
		return
	}
	_ = created // the same page sent twice stores the activity once
	a.Redirect(c, "/activities/"+act.ID, "ok", Translate(LangOf(c), "act.saved", len(act.Opinions)))
}

type actListData struct {
	Items  []models.Activity
	Topics map[string]string
	Next   string
}

func (a *App) topicNames(c *gin.Context) (map[string]string, error) {
	ts, err := a.allTopics(c)
	m := map[string]string{}
	for _, t := range ts {
		m[t.ID] = LocalTitle(LangOf(c), t.Title, t.TitleEN)
	}
	return m, err
}

func (a *App) activitiesList(c *gin.Context) {
	p, err := a.S.DB.Activities(c.Request.Context(), c.Query("topic"), c.Query("kind"), 100, c.Query("after"))
	if err != nil {
		a.Error(c, err)
		return
	}
	d := &actListData{Items: p.Items}
	if p.Next != nil {
		d.Next = *p.Next
	}
	if d.Topics, err = a.topicNames(c); err != nil {
		a.Error(c, err)
		return
	}
	v := a.View(c, "act.title", d)
	v.Nav = "activities"
	a.Render(c, http.StatusOK, "activities.html", v)
}

type actViewData struct {
	A         models.Activity
	Topic     string
	Deputies  map[string]string
	Revisions []actRevision
	// The correction form, as sent when it was refused.
	Fix    map[string]string
	Errors map[string]string
}

// actRevision is what an activity was before one correction, as shown.
type actRevision struct {
	db.ActivityRevision
	Participants models.Participants
	Title        string
}

func (a *App) activityView(c *gin.Context) {
	a.renderActivity(c, http.StatusOK, nil, nil)
}

// activityCorrect corrects an activity (db.CorrectActivity) from the form
// on its page: the fields given, and why.
func (a *App) activityCorrect(c *gin.Context) {
	if err := parseForm(c); err != nil {
		a.Error(c, err)
		return
	}
	fix := map[string]string{}
	for _, k := range []string{"title", "held_on", "location", "host", "p_deputies", "p_public", "p_other", "minutes", "reason"} {
		fix[k] = c.PostForm(k)
	}
	errs := map[string]string{}
	count := func(k string) int64 {
		n, err := strconv.ParseInt(strings.TrimSpace(fix[k]), 10, 64)
		if err != nil || n < 0 {
			errs[k] = both("err.whole")
		}
		return n
	}
	p := models.Participants{Deputies: count("p_deputies"), Public: count("p_public"), Other: count("p_other")}
	f := db.ActivityFix{Participants: &p}
	for k, dst := range map[string]**string{"title": &f.Title, "held_on": &f.HeldOn, "location": &f.Location, "host": &f.Host, "minutes": &f.Minutes} {
		v := fix[k]
		*dst = &v
	}
	if len(errs) == 0 {
		_, _, err := a.S.DB.CorrectActivity(c.Request.Context(), c.Param("id"), f, fix["reason"])
		if fe := FieldErrors(err); fe != nil {
			for k, v := range fe {
				errs[strings.ReplaceAll(strings.TrimPrefix(k, "participants."), "deputies", "p_deputies")] = v
			}
		} else if err != nil {
			a.Error(c, err)
			return
		}
	}
	if len(errs) > 0 {
		a.renderActivity(c, http.StatusUnprocessableEntity, fix, errs)
		return
	}
	a.Redirect(c, "/activities/"+c.Param("id"), "ok", both("fix.saved"))
}

func (a *App) renderActivity(c *gin.Context, status int, fix, errs map[string]string) {
	act, err := a.S.DB.Activity(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.Error(c, err)
		return
	}
	revs, err := a.S.DB.ActivityRevisions(c.Request.Context(), act.ID)
	if err != nil {
		a.Error(c, err)
		return
	}
	d := &actViewData{A: act, Deputies: map[string]string{}, Fix: fix, Errors: errs}
	if d.Fix == nil {
		d.Fix = map[string]string{"title": act.Title, "held_on": act.HeldOn, "location": act.Location, "host": act.Host, "minutes": act.Minutes,
			"p_deputies": strconv.FormatInt(act.Participants.Deputies, 10), "p_public": strconv.FormatInt(act.Participants.Public, 10), "p_other": strconv.FormatInt(act.Participants.Other, 10)}
	}
	for _, r := range revs {
		var was struct {
			Title        string              `json:"title"`
			Participants models.Participants `json:"participants"`
		}
		if err := json.Unmarshal(r.Body, &was); err != nil {
			a.Error(c, fmt.Errorf("activity %s: revision %d: %w", act.ID, r.Revision, err))
			return
		}
		d.Revisions = append(d.Revisions, actRevision{ActivityRevision: r, Participants: was.Participants, Title: was.Title})
	}
	names, err := a.topicNames(c)
	if err != nil {
		a.Error(c, err)
		return
	}
	d.Topic = names[act.TopicID]
	deps, err := a.allDeputies(c)
	if err != nil {
		a.Error(c, err)
		return
	}
	for _, x := range deps {
		d.Deputies[x.ID] = x.Name
	}
	v := a.View(c, "act.title", d)
	v.Title = act.Title
	v.Nav = "activities"
	v.Errors = errs
	a.Render(c, status, "activity.html", v)
}

type opListData struct {
	Items                 []models.Opinion
	Topics                []models.Topic
	TopicNames            map[string]string
	Topic, Status, Source string
	Statuses, Sources     []string
	Next                  string
}

func (a *App) opinionsList(c *gin.Context) {
	d := &opListData{Topic: c.Query("topic"), Status: c.Query("status"), Source: c.Query("source"),
		Statuses: models.OpinionStatuses, Sources: models.OpinionSources, TopicNames: map[string]string{}}
	p, err := a.S.DB.Opinions(c.Request.Context(), models.OpinionFilter{Topic: d.Topic, Status: d.Status, Source: d.Source, Limit: 100, After: c.Query("after")})
	if err != nil {
		a.Error(c, err)
		return
	}
	d.Items = p.Items
	if p.Next != nil {
		d.Next = *p.Next
	}
	if d.Topics, err = a.allTopics(c); err != nil {
		a.Error(c, err)
		return
	}
	for _, t := range d.Topics {
		d.TopicNames[t.ID] = LocalTitle(LangOf(c), t.Title, t.TitleEN)
	}
	v := a.View(c, "op.title", d)
	v.Nav = "opinions"
	a.Render(c, http.StatusOK, "opinions.html", v)
}

type depData struct {
	Items  []models.Deputy
	Form   forms.DeputyRequest
	Levels []string
}

func (a *App) deputiesList(c *gin.Context) {
	a.renderDeputies(c, http.StatusOK, forms.DeputyRequest{Level: "county"}, nil)
}

func (a *App) renderDeputies(c *gin.Context, status int, f forms.DeputyRequest, errs map[string]string) {
	deps, err := a.allDeputies(c)
	if err != nil {
		a.Error(c, err)
		return
	}
	v := a.View(c, "dep.title", &depData{Items: deps, Form: f, Levels: models.DeputyLevels})
	v.Nav, v.Errors = "deputies", errs
	a.Render(c, status, "deputies.html", v)
}

// deputyView shows one deputy with the whole phone and ID number (the
// list masks them); the read is audited.
func (a *App) deputyView(c *gin.Context) {
	d, err := a.S.DB.DeputyContact(c.Request.Context(), c.Param("id"))
	if err != nil {
		a.Error(c, err)
		return
	}
	v := a.View(c, "dep.title", d)
	v.Nav = "deputies"
	a.Render(c, http.StatusOK, "deputy.html", v)
}

func (a *App) deputyCreate(c *gin.Context) {
	var f forms.DeputyRequest
	err := BindForm(c, "代表", &f)
	if err == nil {
		var d models.Deputy
		if d, err = f.Deputy(); err == nil {
			err = a.S.DB.CreateDeputy(c.Request.Context(), &d)
		}
	}
	if err != nil {
		if fe := FieldErrors(err); fe != nil {
			a.renderDeputies(c, http.StatusUnprocessableEntity, f, fe)
			return
		}
		a.Error(c, err)
		return
	}
	a.Redirect(c, "/deputies", "ok", Translate(LangOf(c), "dep.added"))
}
