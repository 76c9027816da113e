package web

import (
	"context"
	"strings"

	"budgetpoint/db"
)

// NameSetting is a name kept in the settings in both languages: the Chinese
// one under Key (point_name, committee_name), the English one under
// Key+"_en"; the defaults stand where nothing is set.
type NameSetting struct {
	Key                  string
	DefaultZH, DefaultEN string
}

// In is the name in lang. An English page shows the English setting; without
// one it shows the English default while no Chinese name is set either, and
// the Chinese name otherwise (a name someone chose beats a default).
func (n NameSetting) In(ctx context.Context, d *db.DB, lang string) string {
	zh := d.Setting(ctx, n.Key, "")
	if lang == LangEN {
		if en := d.Setting(ctx, n.Key+"_en", ""); en != "" {
			return en
		}
		if zh == "" {
			return n.DefaultEN
		}
	}
	if zh == "" {
		return n.DefaultZH
	}
	return zh
}

// pointName is this point's name setting (系统设置): without one, a neutral
// name with the point's id. The demo content stores the names of the six
// points there (demo.Load).
func (a *App) pointName() NameSetting {
	return NameSetting{Key: SettingPointName,
		DefaultZH: strings.TrimSpace(Translate(LangZH, "layout.point_default", a.S.PointID)),
		DefaultEN: strings.TrimSpace(Translate(LangEN, "layout.point_default", a.S.PointID))}
}

// PointName is this contact point's name in Chinese, as people know it.
func (a *App) PointName(ctx context.Context) string {
	return a.pointName().In(ctx, a.S.DB, LangZH)
}
