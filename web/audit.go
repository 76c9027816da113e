package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"budgetpoint/db"
	"budgetpoint/internal/xlprint"
	"budgetpoint/models"
)

// The audit page (审计日志) for administrators, at a point and at the hub:
// the entries of GET /api/v1/audit, filtered by person, action and date,
// and the same as an Excel file.

var auditMessages = Messages{
	"nav.audit":            {"审计日志", "Audit log"},
	"audit.lead":           {"每次登录、数据修改和导出都记在这里，不能修改或删除。", "Every sign-in, change of data and export is recorded here and cannot be changed or removed."},
	"audit.actor":          {"人员", "Person"},
	"audit.action":         {"操作", "Action"},
	"audit.since":          {"从（日期）", "From (date)"},
	"audit.until":          {"到（日期，不含）", "Until (date, not included)"},
	"audit.at":             {"时间", "Time"},
	"audit.addr":           {"地址", "Address"},
	"audit.object":         {"对象", "Object"},
	"audit.result":         {"结果", "Result"},
	"audit.none":           {"没有符合条件的记录。", "No entries match."},
	"audit.bad_date":       {"日期应写成 2026-12-01 这样", "write dates like 2026-12-01"},
	"audit.result.ok":      {"成功", "ok"},
	"audit.result.failed":  {"失败", "failed"},
	"audit.result.refused": {"被拒绝", "refused"},
	"audit.result.locked":  {"已锁定", "locked"},
}

type auditData struct {
	Items  []models.AuditEntry
	Next   string
	Export string // the same filters, as a workbook
	Filter url.Values
}

// auditFilter reads the page's filters (dates are days in China time).
func auditFilter(c *gin.Context, limit int) (models.AuditFilter, map[string]string) {
	f := models.AuditFilter{Actor: c.Query("actor"), Action: c.Query("action"), Limit: limit, After: c.Query("after")}
	bad := map[string]string{}
	for name, dst := range map[string]**time.Time{"since": &f.Since, "until": &f.Until} {
		if v := c.Query(name); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, db.CST)
			if err != nil {
				bad[name] = both("audit.bad_date")
				continue
			}
			*dst = &t
		}
	}
	return f, bad
}

func (st *Site) auditPage(c *gin.Context) {
	f, bad := auditFilter(c, 100)
	d := &auditData{Filter: c.Request.URL.Query()}
	eq := c.Request.URL.Query()
	eq.Del("after")
	d.Export = "/audit.xlsx?" + eq.Encode()
	v := st.View(c, "nav.audit", d)
	v.Nav = "audit"
	if len(bad) > 0 {
		v.Errors = bad
		st.Render(c, http.StatusBadRequest, "audit.html", v)
		return
	}
	p, err := st.S.DB.AuditLog(c.Request.Context(), f)
	if err != nil {
		st.Error(c, err)
		return
	}
	d.Items = p.Items
	if p.Next != nil {
		q := c.Request.URL.Query()
		q.Set("after", *p.Next)
		d.Next = "/audit?" + q.Encode()
	}
	st.Render(c, http.StatusOK, "audit.html", v)
}

// auditExport is the filtered log as a workbook (at most 100,000 entries;
// the export is itself audited by sendWorkbook).
func (st *Site) auditExport(c *gin.Context) {
	lang := LangOf(c)
	T := func(k string) string { return st.Translate(lang, k) }
	f, bad := auditFilter(c, 500)
	if len(bad) > 0 {
		st.Error(c, models.Invalid("审计日志", bad))
		return
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := T("nav.audit")
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		st.Error(c, exportError(sheet, 0, err))
		return
	}
	sw, err := xlprint.Stream(x, sheet, 9, 1, xlprint.Cols{First: 1, Last: 1, Width: 8}, xlprint.Cols{First: 2, Last: 2, Width: 19},
		xlprint.Cols{First: 3, Last: 4, Width: 12}, xlprint.Cols{First: 5, Last: 5, Width: 16}, xlprint.Cols{First: 6, Last: 6, Width: 20},
		xlprint.Cols{First: 7, Last: 7, Width: 30}, xlprint.Cols{First: 8, Last: 8, Width: 10}, xlprint.Cols{First: 9, Last: 9, Width: 66})
	if err != nil {
		st.Error(c, exportError(sheet, 0, err))
		return
	}
	row := 1
	put := func(vals ...any) error {
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		row++
		return sw.SetRow(cell, vals)
	}
	if err := put("#", T("audit.at"), T("audit.actor"), T("set.role"), T("audit.addr"), T("audit.action"), T("audit.object"), T("audit.result"), "hash"); err != nil {
		st.Error(c, exportError(sheet, row, err))
		return
	}
	for n := 0; n < 200; n++ { // 200 pages of 500
		p, err := st.S.DB.AuditLog(c.Request.Context(), f)
		if err != nil {
			st.Error(c, err)
			return
		}
		for _, e := range p.Items {
			if err := put(e.Seq, e.At.In(db.CST).Format("2006-01-02 15:04:05"), e.Actor.User, e.Actor.Role, e.Addr, e.Action,
				e.Object.Type+" "+e.Object.ID, st.Translate(lang, "audit.result."+e.Result), e.Hash); err != nil {
				st.Error(c, exportError(sheet, row, err))
				return
			}
		}
		if p.Next == nil {
			break
		}
		f.After = *p.Next
	}
	if err := sw.Flush(); err != nil {
		st.Error(c, exportError(sheet, row, err))
		return
	}
	st.sendWorkbook(c, x, T("nav.audit")+"-"+time.Now().In(db.CST).Format("20060102")+".xlsx")
}
