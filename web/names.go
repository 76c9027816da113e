package web

import (
	"context"
	"log/slog"
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
// the Chinese name otherwise (a name someone chose beats a default). A
// setting that cannot be read is logged, and the default shown.
func (n NameSetting) In(ctx context.Context, d *db.DB, log *slog.Logger, lang string) string {
	read := func(key string) string {
		v, err := d.Setting(ctx, key, "")
		if err != nil {
			log.Error("name setting", "key", key, "err", err)
		}
		return v
	}
	zh := read(n.Key)
	if lang == LangEN {
		if en := read(n.Key + "_en"); en != "" {
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
	return a.pointName().In(ctx, a.S.DB, a.S.Log, LangZH)
}
