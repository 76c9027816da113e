package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"budgetpoint/models"
)

// Point is one contact point as the points file lists it.
type Point struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// NameEN is the name on the committee's English pages (optional).
	NameEN string `json:"name_en,omitempty"`
	Secret string `json:"secret"`
}

// PointsFile is the hub's points file: {"points": [{"id","name","name_en","secret"}]}.
type PointsFile struct {
	Points []Point `json:"points"`
}

// MinSecretLength is the shortest secret the hub accepts.
const MinSecretLength = 16

// LoadPoints reads and checks a points file: it must parse, list at least
// one point, with valid unique ids and secrets of at least MinSecretLength.
func LoadPoints(path string) ([]Point, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("无法读取联系点文件 / cannot read the points file: %w", err)
	}
	return ParsePoints(b)
}

// ParsePoints checks the content of a points file (see LoadPoints).
func ParsePoints(b []byte) ([]Point, error) {
	// Other fields (level…) are allowed; the shape must parse.
	var f PointsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("联系点文件不是有效的 JSON / the points file does not parse: %w", err)
	}
	if len(f.Points) == 0 {
		return nil, errors.New(`联系点文件没有列出联系点 / the points file lists no points: expected {"points": [{"id": "hongta", "name": "…", "secret": "…"}]}`)
	}
	seen := map[string]bool{}
	for i, p := range f.Points {
		switch {
		case !models.ValidID(p.ID):
			return nil, fmt.Errorf("联系点文件第 %d 项的 id 无效 / points[%d]: bad id %q", i+1, i, p.ID)
		case seen[p.ID]:
			return nil, fmt.Errorf("联系点 %s 重复 / points[%d]: duplicate id %s", p.ID, i, p.ID)
		case len(p.Secret) < MinSecretLength:
			return nil, fmt.Errorf("联系点 %s 的密钥太短（至少 %d 个字符）/ points[%d] (%s): the secret needs at least %d characters", p.ID, MinSecretLength, i, p.ID, MinSecretLength)
		}
		seen[p.ID] = true
		if f.Points[i].Name == "" {
			f.Points[i].Name = p.ID
		}
	}
	return f.Points, nil
}
