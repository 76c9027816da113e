package models

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Hash is the fingerprint of a normalized definition: two definitions with
// the same hash are the same version. Every store keeps it beside the
// definition so that saving the same definition again changes nothing.
func (d *Definition) Hash() string {
	b, _ := json.Marshal(d) // a Definition always marshals: plain fields only
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// StoredVersion is one stored version of a questionnaire, as a store reads it
// back to decide what saving a definition means.
type StoredVersion struct {
	Version    int
	Hash       string
	Definition *Definition
}

// NextVersion is the one rule of questionnaire versioning, used by a point's
// own questionnaires, by the committee's at the hub and by the committee's
// versions a point pulls down. d must be normalized and valid; stored holds
// every stored version (any order). It returns the version d becomes and
// whether that version is new: the same definition as the latest is no new
// version (latest, false); otherwise d is checked against every stored
// version, not only the latest (a key dropped in one version and brought
// back with another type would mix two kinds of answers in one count), and
// becomes latest+1. validation_failed when it is incompatible.
func NextVersion(d *Definition, stored []StoredVersion) (version int, isNew bool, err error) {
	latest := StoredVersion{}
	for _, s := range stored {
		if s.Version > latest.Version {
			latest = s
		}
	}
	if latest.Version > 0 && latest.Hash == d.Hash() {
		return latest.Version, false, nil
	}
	if err := d.CompatibleWithAll(stored); err != nil {
		return 0, false, err
	}
	return latest.Version + 1, true, nil
}

// CompatibleWithAll checks d against every stored version (see NextVersion).
func (d *Definition) CompatibleWithAll(stored []StoredVersion) error {
	for _, s := range stored {
		if err := d.CompatibleWith(s.Definition); err != nil {
			return err
		}
	}
	return nil
}
