package committee

// 并案 on the committee's pages: an opinion's page offers the likely
// duplicates (hub.Hub.SimilarOpinions) to merge it into, and a form to
// merge it into another by its number; a merged opinion's row names the
// one it follows and has no forms of its own, and the one merged into
// says how many follow it. Also the assisting units' views (协办意见) and
// the follow-up date of a B or C reply (跟踪日期) on a row.

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"budgetpoint/models"
	"budgetpoint/web"
)

var mergeMessages = web.Messages{
	"hub.mg.similar":      {"可能重复的意见", "Likely duplicates"},
	"hub.mg.similar_hint": {"同一事项中内容相近、尚未办结的意见建议。并案后，这条意见随所并入的那一条办理（状态、承办单位、期限、答复和评价），每位提出人仍会得到答复。", "Opinions of the same topic, not closed, whose text is alike. Once merged, this opinion follows the one it was merged into (status, units, due date, replies and evaluation); each proposer is still answered."},
	"hub.mg.none":         {"没有发现内容相近的意见。", "No opinion alike was found."},
	"hub.mg.score":        {"相似度 %d%%", "%d%% alike"},
	"hub.mg.into_btn":     {"并入这一条", "Merge into this one"},
	"hub.mg.by_id":        {"并入其他意见", "Merge into another opinion"},
	"hub.mg.into":         {"要并入的意见编号", "Number of the opinion to merge into"},
	"hub.mg.into_hint":    {"意见编号见该条意见详情页的“编号”，也在其地址 /hub/opinions/编号 中。", "An opinion's number is on its page (Number), and in its address /hub/opinions/number."},
	"hub.mg.by_id_btn":    {"并案", "Merge"},
	"hub.mg.number":       {"编号", "Number"},
	"hub.mg.need_into":    {"请填写要并入的意见编号", "write the number of the opinion to merge into"},
	"hub.mg.ok":           {"已并案：这条意见并入“%s”办理", "Merged: this opinion follows “%s” now"},
	"hub.mg.error":        {"没有并案：%s", "Not merged: %s"},
	"hub.mg.merged_into":  {"已并入", "Merged into"},
	"hub.mg.follows":      {"这条意见随所并入的那一条办理，请到那一条交办、答复和办结。", "This opinion follows the one it was merged into: assign, answer and close that one."},
	"hub.mg.count":        {"已有 %d 条意见并入这一条", "%d merged into this one"},
	"hub.mg.list":         {"并入这一条的意见", "Merged into this one"},
	"hub.step.merge":      {"并入“%s”办理", "merged into “%s”"},
	"hub.step.merged":     {"“%s”并入这一条", "“%s” merged into this one"},
	"hub.step.view":       {"%s送来协办意见", "view sent by %s"},
	"hub.as.view_of":      {"第 %d 轮 · %s · %s", "round %d · %s · %s"},
}

// similarRow is a likely duplicate offered on an opinion's page.
type similarRow struct {
	ID, PointName, Content, Status string
	Percent                        int
}

// mergedRow is an opinion merged into the one shown.
type mergedRow struct {
	ID, PointName, Short string
}

// viewRow is an assisting unit's view (协办意见).
type viewRow struct {
	Head, Content string
}

// opinionMerge is the merge forms: into, the opinion to merge this one into.
func (p *Pages) opinionMerge(c *gin.Context) {
	lang := web.LangOf(c)
	back, _ := url.ParseQuery(c.PostForm("back"))
	f := opFilter(back)
	id := c.Param("id")
	into := strings.TrimSpace(c.PostForm("into"))
	fail := func(status int, msg string) {
		p.renderOpinions(c, status, f, &hubOp{Opinion: models.Opinion{ID: id}, Op: "merge", Error: msg, Into: into})
	}
	if into == "" {
		fail(http.StatusUnprocessableEntity, p.Both("hub.mg.need_into"))
		return
	}
	ctx := c.Request.Context()
	// A page it is not on (voided, unknown) is not found, as its page is.
	o, err := p.H.Opinion(ctx, id)
	if err != nil {
		p.Error(c, err)
		return
	}
	if o.Voided {
		p.Error(c, models.Errorf(models.ENotFound, "%s", p.Both("hub.op.voided")))
		return
	}
	merged, err := p.H.MergeOpinion(ctx, id, into)
	if err != nil {
		e, ok := models.AsError(err)
		switch {
		case ok && e.Code == models.EInvalid:
			var msgs []string
			for _, m := range e.Fields {
				msgs = append(msgs, m)
			}
			if len(msgs) == 0 {
				msgs = append(msgs, e.Message)
			}
			fail(http.StatusUnprocessableEntity, joinBilingual(msgs))
		case ok && e.Code == models.EConflict:
			fail(http.StatusConflict, e.Message)
		default:
			p.Error(c, err)
		}
		return
	}
	what := merged.MergedInto
	if root, err := p.H.Opinion(ctx, merged.MergedInto); err == nil {
		what = short(root.Content, 20)
	}
	to := workbench(f) + "#op-" + id
	if c.PostForm("single") == "1" {
		to = "/hub/opinions/" + url.PathEscape(id)
	}
	p.Redirect(c, to, "ok", p.Translate(lang, "hub.mg.ok", what))
}

// mergeInfo fills a row's 并案: the one it follows, those that follow it,
// and on an opinion's own page the likely duplicates; and the steps of
// its history that name another opinion.
func (p *Pages) mergeInfo(c *gin.Context, lang string, r *hubOp, single bool) error {
	ctx := c.Request.Context()
	shortOf := map[string]string{}
	shortFor := func(id string) string {
		if s, ok := shortOf[id]; ok {
			return s
		}
		s := id
		if o, err := p.H.Opinion(ctx, id); err == nil {
			s = short(o.Content, 30)
		}
		shortOf[id] = s
		return s
	}
	if r.MergedInto != "" {
		r.IntoShort = shortFor(r.MergedInto)
	}
	ms, err := p.H.Store.MergedInto(ctx, r.ID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		shortOf[m.ID] = short(m.Content, 30)
		r.Merged = append(r.Merged, mergedRow{ID: m.ID, PointName: p.pointName(lang, m.PointID), Short: short(m.Content, 30)})
	}
	for i, s := range r.History {
		if i >= len(r.StepRows) {
			break
		}
		str := func(k string) string {
			v, _ := s.Detail[k].(string)
			return v
		}
		switch s.Action {
		case "merge":
			r.StepRows[i].What = p.Translate(lang, "hub.step.merge", shortFor(str("into")))
		case "merged":
			r.StepRows[i].What = p.Translate(lang, "hub.step.merged", shortFor(str("opinion")))
		}
	}
	r.CanMerge = r.MergedInto == "" && !r.Voided && r.Status != "answered" && r.Status != "closed"
	if !single || !r.CanMerge {
		return nil
	}
	sims, err := p.H.SimilarOpinions(ctx, r.ID)
	if err != nil {
		return err
	}
	for _, s := range sims {
		r.Similar = append(r.Similar, similarRow{ID: s.ID, PointName: p.pointName(lang, s.PointID), Content: s.Content, Status: s.Status,
			Percent: int(s.Score*100 + 0.5)})
	}
	return nil
}

// followUpOf is the follow-up date a row shows: that of a B or C reply
// of an answered or closed opinion.
func followUpOf(o models.Opinion) string {
	if (o.Status == "answered" || o.Status == "closed") && (o.Grade == "B" || o.Grade == "C") {
		return o.FollowUp
	}
	return ""
}

// viewRows are an opinion's 协办意见, oldest first.
func (p *Pages) viewRows(lang string, names map[string]string, o models.Opinion) []viewRow {
	var out []viewRow
	for _, v := range o.Views {
		out = append(out, viewRow{Head: p.Translate(lang, "hub.as.view_of", v.Round, unitName(names, v.Unit), web.DateTime(v.At)), Content: v.Content})
	}
	return out
}
