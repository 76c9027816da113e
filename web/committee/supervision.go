package committee

// 督办: the opinions assigned and not yet answered, and those reopened
// under supervision, with their due dates and the working days left; and
// the same list as a workbook.

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"budgetpoint/handlers"
	"budgetpoint/internal/workdays"
	"budgetpoint/internal/xlprint"
	"budgetpoint/models"
	"budgetpoint/web"
)

var supervisionMessages = web.Messages{
	"hub.sv.title":     {"督办", "Supervision"},
	"hub.sv.lead":      {"已交办尚未答复的意见建议，以及提出人不满意、重新办理（督办）尚未办结的意见建议。已超期的标红，距期限 10 个工作日以内的标黄。", "The opinions assigned and not yet answered, and those reopened under supervision after a “not satisfied” and not yet closed. Past due is marked red; within 10 working days of the due date, amber."},
	"hub.sv.caption":   {"督办清单", "Under supervision"},
	"hub.sv.none":      {"目前没有需要督办的意见建议。", "Nothing to follow up now."},
	"hub.sv.count":     {"共 %d 条：已超期 %d 条，临近期限 %d 条", "%d in all: %d past due, %d due soon"},
	"hub.sv.sort":      {"排序", "Sort"},
	"hub.sv.by_due":    {"按办理期限", "by due date"},
	"hub.sv.by_unit":   {"按主办单位", "by lead unit"},
	"hub.sv.by_point":  {"按联系点", "by contact point"},
	"hub.sv.sorted_by": {"当前排序：%s", "Sorted %s"},
	"hub.sv.left":      {"剩余工作日", "Working days left"},
	"hub.sv.round":     {"轮次", "Round"},
	"hub.sv.over_n":    {"已超期 %d 个工作日", "%d working days overdue"},
	"hub.sv.soon":      {"临近期限", "due soon"},
	"hub.sv.excel":     {"导出督办清单（Excel）", "Export this list (Excel)"},
	"hub.sv.file":      {"督办清单", "supervision"},
	"hub.fu.title":     {"待跟踪（B、C 类答复）", "To follow up (B and C replies)"},
	"hub.fu.lead":      {"承办单位答复为 B 类（正在解决）或 C 类（列入计划）的意见建议，跟踪日期在 10 个工作日以内或已过，按跟踪日期排列。已过跟踪日期的标红，10 个工作日以内的标黄。", "Opinions whose unit replied B (being solved) or C (planned), with a follow-up date within 10 working days or past, by follow-up date. Past the date is marked red; within 10 working days, amber."},
	"hub.fu.none":      {"目前没有临近跟踪日期的答复。", "No reply is due for follow-up now."},
	"hub.fu.count":     {"共 %d 条：已过跟踪日期 %d 条", "%d in all: %d past the follow-up date"},
	"hub.fu.past":      {"已过跟踪日期", "past the follow-up date"},
	"hub.fu.sheet":     {"待跟踪", "Follow-up"},
}

// soonDays: within this many working days of its due date an opinion is
// due soon (amber).
const soonDays = 10

// svRow is one row of the supervision list.
type svRow struct {
	ID, PointName, TopicName, Content, Short string
	LeadName, AssistNames, Due, Status       string
	Left                                     int
	HasDue, Over, Soon, Supervised           bool
	Round                                    int
}

type svData struct {
	Rows       []svRow
	Sort       string
	Sorts      []string
	Over, Soon int
	// Follow: the B and C replies to follow up (待跟踪), FollowOver how
	// many of them are past their date.
	Follow     []fuRow
	FollowOver int
}

// fuRow is a reply to follow up (待跟踪): its date, the working days left
// (negative: past), red when past, amber within soonDays.
type fuRow struct {
	ID, PointName, TopicName, Content, Short string
	LeadName, Grade, FollowUp, Status        string
	Left                                     int
	Over, Soon                               bool
}

// followUpRows are the answered or closed opinions whose B or C reply is
// followed up within soonDays working days or was due to be, by date.
func (p *Pages) followUpRows(c *gin.Context) ([]fuRow, error) {
	lang := web.LangOf(c)
	ops, err := p.H.Store.FollowUps(c.Request.Context())
	if err != nil {
		return nil, err
	}
	unames, tnames, err := p.listNames(c, lang)
	if err != nil {
		return nil, err
	}
	now := p.H.Store.Now()
	today := now.In(workdays.China).Format(time.DateOnly)
	rows := []fuRow{}
	for _, o := range ops {
		left, ok := p.daysLeft(now, o.FollowUp)
		if !ok {
			continue // not a date: nothing to follow up by
		}
		r := fuRow{ID: o.ID, PointName: p.pointName(lang, o.PointID), TopicName: tnames[o.TopicID], Content: o.Content, Short: short(o.Content, 40),
			Grade: p.Translate(lang, "grade."+o.Grade), FollowUp: o.FollowUp, Status: o.Status}
		if r.TopicName == "" {
			r.TopicName = o.TopicID
		}
		if o.Lead != "" {
			r.LeadName = unitName(unames, o.Lead)
		}
		r.Left = left
		r.Over = o.FollowUp < today
		r.Soon = !r.Over
		if !r.Over && r.Left > soonDays {
			continue
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// supervisionRows reads the list, sorted by sort (due, unit or point).
func (p *Pages) supervisionRows(c *gin.Context, sortBy string) ([]svRow, error) {
	lang := web.LangOf(c)
	ops, err := p.H.Store.Supervised(c.Request.Context())
	if err != nil {
		return nil, err
	}
	unames, tnames, err := p.listNames(c, lang)
	if err != nil {
		return nil, err
	}
	now := p.H.Store.Now()
	today := now.In(workdays.China).Format(time.DateOnly)
	pointRank := map[string]int{}
	for i, pt := range p.H.Points {
		pointRank[pt.ID] = i
	}
	rows := make([]svRow, 0, len(ops))
	for _, o := range ops {
		r := svRow{ID: o.ID, PointName: p.pointName(lang, o.PointID), TopicName: tnames[o.TopicID], Content: o.Content, Short: short(o.Content, 40),
			Due: o.Due, Status: o.Status, Round: o.Round, Supervised: o.Supervised}
		if r.TopicName == "" {
			r.TopicName = o.TopicID
		}
		if o.Lead != "" {
			r.LeadName = unitName(unames, o.Lead)
		}
		var assist []string
		for _, u := range o.Assist {
			assist = append(assist, unitName(unames, u))
		}
		r.AssistNames = web.PunctOf(lang).Join(assist)
		if left, ok := p.daysLeft(now, o.Due); ok {
			r.HasDue, r.Left = true, left
			waiting := o.Status == "forwarded" || o.Status == "accepted"
			r.Over = waiting && o.Due < today
			r.Soon = waiting && !r.Over && r.Left <= soonDays
		}
		rows = append(rows, r)
	}
	// The store gives them soonest due first; an opinion with no due date
	// (returned, to be assigned again) comes first there: put it last.
	byDue := func(a, b svRow) bool {
		if a.HasDue != b.HasDue {
			return a.HasDue
		}
		return a.Due < b.Due
	}
	rank := func(id string) int {
		if i, ok := pointRank[id]; ok {
			return i
		}
		return len(pointRank)
	}
	pointOf := map[string]string{}
	for _, o := range ops {
		pointOf[o.ID] = o.PointID
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		switch sortBy {
		case "unit":
			if a.LeadName != b.LeadName {
				if a.LeadName == "" || b.LeadName == "" {
					return b.LeadName == ""
				}
				return a.LeadName < b.LeadName
			}
		case "point":
			if ra, rb := rank(pointOf[a.ID]), rank(pointOf[b.ID]); ra != rb {
				return ra < rb
			}
			if a.PointName != b.PointName {
				return a.PointName < b.PointName
			}
		}
		return byDue(a, b)
	})
	return rows, nil
}

// topicNames maps topic ids to their titles in lang.
func (p *Pages) topicNames(c *gin.Context, lang string) (map[string]string, error) {
	ts, err := p.topicInfos(c)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, t := range ts {
		names[t.ID] = web.LocalTitle(lang, t.Title, t.TitleEN)
		if names[t.ID] == "" {
			names[t.ID] = t.ID
		}
	}
	return names, nil
}

var svSorts = []string{"due", "unit", "point"}

func svSort(c *gin.Context) string {
	if s := c.Query("sort"); models.In(s, svSorts) {
		return s
	}
	return "due"
}

func (p *Pages) supervisionPage(c *gin.Context) {
	s := svSort(c)
	rows, err := p.supervisionRows(c, s)
	if err != nil {
		p.Error(c, err)
		return
	}
	follow, err := p.followUpRows(c)
	if err != nil {
		p.Error(c, err)
		return
	}
	d := &svData{Rows: rows, Sort: s, Sorts: svSorts, Follow: follow}
	for _, r := range follow {
		if r.Over {
			d.FollowOver++
		}
	}
	for _, r := range rows {
		if r.Over {
			d.Over++
		}
		if r.Soon {
			d.Soon++
		}
	}
	p.Render(c, http.StatusOK, "supervision.html", p.view(c, "hub.sv.title", "hub-supervision", d))
}

// supervisionExport is the supervision list as a workbook (A4, its header
// printed on every page), in the page's language; audited like every export.
func (p *Pages) supervisionExport(c *gin.Context) {
	lang := web.LangOf(c)
	T := func(k string, args ...any) string { return p.Translate(lang, k, args...) }
	s := svSort(c)
	rows, err := p.supervisionRows(c, s)
	if err != nil {
		p.Error(c, err)
		return
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := T("hub.sv.title")
	fail := func(row int, err error) {
		p.Error(c, &models.Error{Code: models.EInternal, Message: p.Both("xl.failed", sheet, row), Err: fmt.Errorf("supervision export: row %d: %w", row, err)})
	}
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		fail(0, err)
		return
	}
	sw, err := xlprint.Stream(x, sheet, 11, 1, xlprint.Cols{First: 1, Last: 1, Width: 6}, xlprint.Cols{First: 2, Last: 3, Width: 18},
		xlprint.Cols{First: 4, Last: 4, Width: 40}, xlprint.Cols{First: 5, Last: 6, Width: 16}, xlprint.Cols{First: 7, Last: 7, Width: 12},
		xlprint.Cols{First: 8, Last: 11, Width: 9})
	if err != nil {
		fail(0, err)
		return
	}
	put := func(row int, vals ...any) error {
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, vals)
	}
	if err := put(1, T("xl.no"), T("hub.point"), T("q.topic"), T("op.content"), T("hub.as.lead"), T("hub.as.assist_short"), T("hub.as.due"),
		T("hub.sv.left"), T("hub.sv.round"), T("op.status"), T("hub.as.supervised")); err != nil {
		fail(1, err)
		return
	}
	for i, r := range rows {
		var left any = ""
		if r.HasDue {
			left = r.Left
		}
		sup := ""
		if r.Supervised {
			sup = T("common.yes")
		}
		if err := put(i+2, i+1, r.PointName, r.TopicName, r.Content, r.LeadName, r.AssistNames, r.Due, left, r.Round, T("status."+r.Status), sup); err != nil {
			fail(i+2, err)
			return
		}
	}
	if err := sw.Flush(); err != nil {
		fail(len(rows)+1, err)
		return
	}
	// The second sheet: the replies to follow up (待跟踪).
	follow, err := p.followUpRows(c)
	if err != nil {
		p.Error(c, err)
		return
	}
	sheet = T("hub.fu.sheet")
	if _, err := x.NewSheet(sheet); err != nil {
		fail(0, err)
		return
	}
	if sw, err = xlprint.Stream(x, sheet, 9, 1, xlprint.Cols{First: 1, Last: 1, Width: 6}, xlprint.Cols{First: 2, Last: 3, Width: 18},
		xlprint.Cols{First: 4, Last: 4, Width: 40}, xlprint.Cols{First: 5, Last: 6, Width: 16}, xlprint.Cols{First: 7, Last: 7, Width: 12},
		xlprint.Cols{First: 8, Last: 9, Width: 9}); err != nil {
		fail(0, err)
		return
	}
	if err := put(1, T("xl.no"), T("hub.point"), T("q.topic"), T("op.content"), T("hub.as.lead"), T("story.grade"), T("unit.follow_up"),
		T("hub.sv.left"), T("op.status")); err != nil {
		fail(1, err)
		return
	}
	for i, r := range follow {
		if err := put(i+2, i+1, r.PointName, r.TopicName, r.Content, r.LeadName, r.Grade, r.FollowUp, r.Left, T("status."+r.Status)); err != nil {
			fail(i+2, err)
			return
		}
	}
	if err := sw.Flush(); err != nil {
		fail(len(follow)+1, err)
		return
	}
	name := T("hub.sv.file") + "-" + p.H.Store.Now().In(workdays.China).Format("20060102") + ".xlsx"
	// Every export is audited; one that cannot be is not sent.
	err = p.S.SendMade(c, name, handlers.XLSX, func(w *bytes.Buffer) error {
		if err := x.Write(w); err != nil {
			return &models.Error{Code: models.EInternal, Message: p.Both("xl.failed", sheet, len(rows)+1), Err: fmt.Errorf("supervision export: %w", err)}
		}
		return nil
	}, func() error {
		return p.S.DB.Audit(c.Request.Context(), "export", "export", c.Request.URL.Path, models.AuditOK, map[string]any{"file": name, "rows": len(rows), "follow_up_rows": len(follow)})
	})
	if err != nil {
		p.Error(c, err)
	}
}

// daysLeft is how many working days from now to date (YYYY-MM-DD, China
// time), negative once it is past; false when date is not a date.
func (p *Pages) daysLeft(now time.Time, date string) (int, bool) {
	day, err := time.ParseInLocation(time.DateOnly, date, workdays.China)
	if err != nil {
		return 0, false
	}
	if date >= now.In(workdays.China).Format(time.DateOnly) {
		return p.H.Calendar.Between(now, day), true
	}
	return -p.H.Calendar.Between(day, now), true
}

// listNames are the units' and the topics' names the lists show.
func (p *Pages) listNames(c *gin.Context, lang string) (units, topics map[string]string, err error) {
	if units, _, err = p.unitNames(c); err != nil {
		return nil, nil, err
	}
	topics, err = p.topicNames(c, lang)
	return units, topics, err
}
