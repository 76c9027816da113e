package committee

// 承办单位: the registry of the units the committee assigns opinions to
// (government departments, state-owned enterprises, other bodies).

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"budgetpoint/hub"
	"budgetpoint/models"
	"budgetpoint/web"
)

var unitsMessages = web.Messages{
	"hub.units.title":     {"承办单位", "Handling units"},
	"hub.units.lead":      {"交办意见建议时从这里选择主办单位和协办单位。单位的编号添加后不能修改。", "Assigning an opinion, you choose its lead unit and assisting units from this list. A unit's id cannot change once added."},
	"hub.units.caption":   {"承办单位名册", "The units"},
	"hub.units.none":      {"还没有承办单位，请先在下面添加。", "No unit yet: add one below."},
	"hub.units.name":      {"单位名称", "Name"},
	"hub.units.kind":      {"单位类别", "Kind of unit"},
	"hub.units.id":        {"编号", "Id"},
	"hub.units.id_hint":   {"字母、数字、- 和 _，例如 czj", "letters, digits, - and _, e.g. czj"},
	"hub.units.add":       {"添加承办单位", "Add a unit"},
	"hub.units.add_btn":   {"添加", "Add"},
	"hub.units.added_ok":  {"已添加承办单位：%s", "Unit added: %s"},
	"hub.units.need_id":   {"请填写编号：字母、数字、- 和 _，不超过 64 个字符", "give the id: letters, digits, - and _, at most 64 characters"},
	"hub.units.need_name": {"请填写单位名称（不超过 200 个字）", "give the name (at most 200 characters)"},
	"hub.units.need_kind": {"请选择类别：部门、企业或其他", "choose the kind: department, enterprise or other"},
	"hub.units.taken":     {"这个编号或名称已被其他单位使用，请换一个", "another unit has this id or name: choose another"},
	"unitkind.department": {"部门", "department"},
	"unitkind.enterprise": {"企业", "enterprise"},
	"unitkind.other":      {"其他", "other"},
}

// unitKinds are the kinds of unit, as hub.Unit spells them.
var unitKinds = []string{"department", "enterprise", "other"}

type unitsData struct {
	Units []hub.Unit
	Kinds []string
	Form  hub.Unit // what was typed, after a refusal
}

func (p *Pages) unitsPage(c *gin.Context) {
	p.renderUnits(c, http.StatusOK, hub.Unit{Kind: "department"}, nil)
}

func (p *Pages) renderUnits(c *gin.Context, status int, form hub.Unit, errs map[string]string) {
	us, err := p.H.Store.Units(c.Request.Context())
	if err != nil {
		p.Error(c, err)
		return
	}
	v := p.view(c, "hub.units.title", "hub-units", &unitsData{Units: us, Kinds: unitKinds, Form: form})
	v.Errors = errs
	p.Render(c, status, "units.html", v)
}

// unitAdd adds a unit (hub.Store.CreateUnit, audited): each mistake is
// said beside its field and nothing is added.
func (p *Pages) unitAdd(c *gin.Context) {
	u := hub.Unit{ID: strings.TrimSpace(c.PostForm("id")), Name: strings.TrimSpace(c.PostForm("name")), Kind: c.PostForm("kind")}
	errs := map[string]string{}
	if !models.ValidID(u.ID) || len(u.ID) > 64 {
		errs["id"] = p.Both("hub.units.need_id")
	}
	if u.Name == "" || utf8.RuneCountInString(u.Name) > 200 {
		errs["name"] = p.Both("hub.units.need_name")
	}
	if !models.In(u.Kind, unitKinds) {
		errs["kind"] = p.Both("hub.units.need_kind")
	}
	if len(errs) == 0 {
		err := p.H.Store.CreateUnit(c.Request.Context(), &u)
		switch {
		case models.ErrorCode(err) == models.EConflict:
			errs["id"] = p.Both("hub.units.taken")
			errs["name"] = p.Both("hub.units.taken")
		case err != nil:
			p.Error(c, err)
			return
		}
	}
	if len(errs) > 0 {
		p.renderUnits(c, http.StatusUnprocessableEntity, u, errs)
		return
	}
	p.Redirect(c, "/hub/units#unit-"+u.ID, "ok", p.Translate(web.LangOf(c), "hub.units.added_ok", u.Name))
}

// unitNames maps the units' ids to their names (an id no longer listed
// shows as itself).
func (p *Pages) unitNames(c *gin.Context) (map[string]string, []hub.Unit, error) {
	us, err := p.H.Store.Units(c.Request.Context())
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]string, len(us))
	for _, u := range us {
		m[u.ID] = u.Name
	}
	return m, us, nil
}

// unitName is a unit's name, or its id when the registry does not list it.
func unitName(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return id
}
