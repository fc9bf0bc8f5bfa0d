package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/mlform/mlform/internal/bloburl"
	"github.com/mlform/mlform/internal/exactnum"
	"github.com/mlform/mlform/internal/hexid"
	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/internal/termtext"
)

// Limits on untrusted text, generous for real use and small enough that a
// hostile document cannot blow up messages.
const (
	maxNameLen = 128
	maxIDLen   = 128
	minIDLen   = 8
)

// MaxMetricNameLen bounds a metric name in bytes: the training contract
// (providers/executor's metrics.json reader) refuses longer ones, and
// state accepts every name the contract accepts, so a train whose
// metrics.json passed is always recorded.
const MaxMetricNameLen = 256

// IsIdentifier reports whether name can name a dataset, model, alias,
// policy, promotion or store: an HCL identifier (a letter or underscore,
// then letters, digits, underscores and dashes), at most 128 bytes.
func IsIdentifier(name string) bool {
	if name == "" || len(name) > maxNameLen || !utf8.ValidString(name) {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return true
}

// IsName reports whether name can name a configuration object in state:
// an identifier, optionally with the instance key for_each or count gave
// it (`churn["eu"]`, `churn[0]`; internal/objname). Such a name holds no
// path separator, dot or '@', so it is safe as a directory name and in
// addresses.
func IsName(name string) bool { return objname.Valid(name, IsIdentifier) }

// IsID reports whether id looks like a content id mlform records: lowercase
// hex, 8 to 128 digits. Ids become object keys in the store, so nothing but
// hex is accepted.
func IsID(id string) bool {
	return len(id) >= minIDLen && len(id) <= maxIDLen && hexid.IsLowerHex(id)
}

// validStatus lists the version and evaluation statuses.
var validStatus = map[string]bool{StatusSucceeded: true, StatusFailed: true, StatusTimedOut: true, StatusCancelled: true}

// Validate checks the rules every recorded state obeys, so that code reading
// a State can index it without nil checks: names are identifiers and match
// their map keys, ids are hex, versions are positive, unique, increasing and
// below NextVersion, aliases point at recorded versions. The error names the
// first offending element by its address.
func (s *State) Validate() error {
	if s.FormatVersion < 1 || s.FormatVersion > FormatVersion {
		return fmt.Errorf("format_version %d is not supported (this mlform writes %d)", s.FormatVersion, FormatVersion)
	}
	if _, err := uuid.Parse(s.Lineage); err != nil || len(s.Lineage) != 36 {
		return fmt.Errorf("lineage %q is not a UUID", termtext.Truncate(s.Lineage, 80))
	}
	if len(s.MLFormVersion) > maxNameLen {
		return errors.New("mlform_version is too long")
	}
	for _, name := range slices.Sorted(maps.Keys(s.Datasets)) {
		if err := validateDataset(name, s.Datasets[name]); err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.RetainedSnapshots)) {
		if err := validateDataset(name, s.RetainedSnapshots[name]); err != nil {
			return fmt.Errorf("retained_snapshots: %w", err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Models)) {
		if err := validateModel(name, s.Models[name]); err != nil {
			return err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Policies)) {
		p := s.Policies[name]
		if err := checkNamed("policy", name, p == nil, func() string { return p.Name }); err != nil {
			return err
		}
		for m := range p.LastTrain {
			if !IsName(m) {
				return fmt.Errorf("policy.%s: last_train: %q is not a model name", name, termtext.Truncate(m, 80))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Publications)) {
		p := s.Publications[name]
		if !IsName(name) {
			return fmt.Errorf("publications: %q is not a valid promotion name", termtext.Truncate(name, 80))
		}
		if p == nil {
			return fmt.Errorf("publications.%s is null", name)
		}
		if p.Version < 1 {
			return fmt.Errorf("publications.%s: version %d is not a version number", name, p.Version)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.RemovedModels)) {
		if !IsName(name) {
			return fmt.Errorf("removed_models: %q is not a valid model name", termtext.Truncate(name, 80))
		}
		if s.RemovedModels[name] < 1 {
			return fmt.Errorf("removed_models.%s: next version %d must be at least 1", name, s.RemovedModels[name])
		}
	}
	return validateStores(s.Stores)
}

// checkNamed checks a map entry: its key is an identifier, it is not null
// and its name matches the key.
func checkNamed(kind, key string, isNil bool, name func() string) error {
	valid := IsName
	if strings.HasSuffix(kind, " alias") {
		valid = IsIdentifier
	}
	if !valid(key) {
		return fmt.Errorf("%s %q: not a valid name (letters, digits, _ and -, starting with a letter or _)", kind, termtext.Truncate(key, 80))
	}
	if isNil {
		return fmt.Errorf("%s.%s is null", kind, key)
	}
	if n := name(); n != key {
		return fmt.Errorf("%s.%s: name %q does not match its key", kind, key, termtext.Truncate(n, 80))
	}
	return nil
}

func validateDataset(name string, d *Dataset) error {
	if err := checkNamed("dataset", name, d == nil, func() string { return d.Name }); err != nil {
		return err
	}
	for i, sn := range d.Snapshots {
		where := fmt.Sprintf("dataset.%s: snapshot %d", name, i+1)
		if sn == nil {
			return fmt.Errorf("%s is null", where)
		}
		if err := checkRefs(where, sn.Store, ref{"id", sn.ID, true}, ref{"profile_id", sn.ProfileID, false}); err != nil {
			return err
		}
		if sn.Files < 0 || sn.Bytes < 0 {
			return fmt.Errorf("%s: negative file or byte count", where)
		}
	}
	return nil
}

func validateModel(name string, m *Model) error {
	if err := checkNamed("model", name, m == nil, func() string { return m.Name }); err != nil {
		return err
	}
	seen := make(map[int]bool, len(m.Versions))
	prev := 0
	for i, v := range m.Versions {
		if v == nil {
			return fmt.Errorf("model.%s: version entry %d is null", name, i+1)
		}
		where := fmt.Sprintf("model.%s@%d", name, v.Version)
		switch {
		case v.Version < 1:
			return fmt.Errorf("model.%s: version entry %d has number %d (versions start at 1)", name, i+1, v.Version)
		case seen[v.Version]:
			return fmt.Errorf("%s is recorded twice", where)
		case v.Version < prev:
			return fmt.Errorf("%s is recorded after version %d (versions must be in order)", where, prev)
		case v.Version >= m.NextVersion:
			return fmt.Errorf("%s: next_version %d must be greater than every recorded version", where, m.NextVersion)
		case !validStatus[v.Status]:
			return fmt.Errorf("%s: unknown status %q", where, termtext.Truncate(v.Status, 80))
		}
		seen[v.Version], prev = true, v.Version
		if err := validateVersion(where, name, v); err != nil {
			return err
		}
	}
	if m.NextVersion < 1 {
		return fmt.Errorf("model.%s: next_version %d must be at least 1", name, m.NextVersion)
	}
	for _, an := range slices.Sorted(maps.Keys(m.Aliases)) {
		a := m.Aliases[an]
		if err := checkNamed("model."+name+" alias", an, a == nil, func() string { return a.Name }); err != nil {
			return err
		}
		if !seen[a.Version] {
			return fmt.Errorf("model.%s@%s points at version %d, which is not recorded", name, an, a.Version)
		}
		for j, mv := range a.History {
			if mv == nil {
				return fmt.Errorf("model.%s@%s: history entry %d is null", name, an, j+1)
			}
			if mv.From < 0 || mv.To < 1 {
				return fmt.Errorf("model.%s@%s: history entry %d moves from %d to %d", name, an, j+1, mv.From, mv.To)
			}
		}
	}
	if err := validateRunning(name, m, seen); err != nil {
		return err
	}
	if err := validateEvaluating(name, m, seen); err != nil {
		return err
	}
	for j, e := range m.Evaluations {
		if e == nil {
			return fmt.Errorf("model.%s: evaluation %d is null", name, j+1)
		}
		if e.Version < 1 {
			return fmt.Errorf("model.%s: evaluation %d is of version %d", name, j+1, e.Version)
		}
		if err := validateSnapshotRefs(fmt.Sprintf("model.%s: evaluation %d", name, j+1), e.Snapshots); err != nil {
			return err
		}
		if err := validateMetrics(fmt.Sprintf("model.%s: evaluation %d", name, j+1), e.Metrics); err != nil {
			return err
		}
	}
	if err := validateApprovals(name, m); err != nil {
		return err
	}
	return validateAwaiting(name, m)
}

// ref is a content id a record names; field is its JSON name, for
// errors.
type ref struct {
	field, id string
	required  bool
}

// checkRefs checks, in order, that each of ids is a hex content id (or
// "", where not required) and that store, when set, is a storage name:
// what every record naming objects in a store checks. where locates the
// record in errors.
func checkRefs(where, store string, ids ...ref) error {
	for _, r := range ids {
		if (r.required || r.id != "") && !IsID(r.id) {
			return fmt.Errorf("%s: %s %q is not a hex content id", where, r.field, termtext.Truncate(r.id, 80))
		}
	}
	if store != "" && !IsName(store) {
		return fmt.Errorf("%s: store %q is not a storage name", where, termtext.Truncate(store, 80))
	}
	return nil
}

func validateVersion(where, model string, v *Version) error {
	if err := checkRefs(where, v.Store,
		ref{"artifacts_id", v.ArtifactsID, false}, ref{"logs_id", v.LogsID, false}, ref{"code_id", v.CodeID, false},
		// Provenance (format 3, approval.go).
		ref{"environment_id", v.EnvironmentID, false}, ref{"card_id", v.CardID, false}); err != nil {
		return err
	}
	if err := validateSnapshotRefs(where+": inputs", v.Inputs.Snapshots); err != nil {
		return err
	}
	if err := validateCodeTree(where, v.Inputs.CodeTree); err != nil {
		return err
	}
	if err := validateTrainedAs(where, model, v); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(v.Inputs.Params)) {
		if err := validateParam("params."+termtext.Truncate(k, 80), v.Inputs.Params[k]); err != nil {
			return fmt.Errorf("%s: inputs: %w", where, err)
		}
	}
	return validateMetrics(where, v.Metrics)
}

// validateParam checks a param value is plain JSON data (what decoding
// produces and what canonical encoding can write); path names it.
func validateParam(path string, v any) error {
	switch x := v.(type) {
	case nil, bool, string, int, int64:
	case json.Number:
		// Decoding keeps only integers float64 cannot hold as json.Number.
		if _, ok := exactnum.Integer(string(x)); !ok {
			if f, err := strconv.ParseFloat(string(x), 64); err != nil || math.IsInf(f, 0) {
				return fmt.Errorf("%s: %s is not a finite number", path, termtext.Truncate(string(x), 40))
			}
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s: not a finite number", path)
		}
	case []any:
		for i, e := range x {
			if err := validateParam(fmt.Sprintf("%s[%d]", path, i), e); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if err := validateParam(path+"."+termtext.Truncate(k, 80), x[k]); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s: a %T is not a JSON value", path, v)
	}
	return nil
}

func validateSnapshotRefs(where string, refs map[string]string) error {
	for ds, id := range refs {
		if !IsName(ds) {
			return fmt.Errorf("%s: %q is not a dataset name", where, termtext.Truncate(ds, 80))
		}
		if !IsID(id) {
			return fmt.Errorf("%s: snapshot of dataset %s: %q is not a hex content id", where, ds, termtext.Truncate(id, 80))
		}
	}
	return nil
}

func validateMetrics(where string, m map[string]float64) error {
	for k, v := range m {
		if k == "" || len(k) > MaxMetricNameLen || !utf8.ValidString(k) {
			return fmt.Errorf("%s: metric name %q is empty, too long or not UTF-8", where, termtext.Truncate(k, 80))
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: metric %s is not a finite number", where, k)
		}
	}
	return nil
}

// Normalize replaces nil maps and slices with empty ones, so an empty
// collection always encodes the same way and readers never meet a nil map,
// scrubs credentials from recorded URLs and sets FormatVersion to
// MinFormat. Encode and Decode call it; the journal writer
// (state/statemgr) calls it on the entries a change touched.
func (s *State) Normalize() {
	if s.Datasets == nil {
		s.Datasets = map[string]*Dataset{}
	}
	if s.Models == nil {
		s.Models = map[string]*Model{}
	}
	if s.Policies == nil {
		s.Policies = map[string]*Policy{}
	}
	s.FormatVersion = s.MinFormat()
	for _, d := range s.datasetLists() {
		if d == nil {
			continue
		}
		if d.Snapshots == nil {
			d.Snapshots = []*Snapshot{}
		}
		for _, sn := range d.Snapshots {
			if sn != nil {
				sn.Source = scrubURL(sn.Source)
			}
		}
	}
	for _, p := range s.Publications {
		if p != nil {
			p.URL = scrubURL(p.URL)
		}
	}
	for _, m := range s.Models {
		if m == nil {
			continue
		}
		if m.Versions == nil {
			m.Versions = []*Version{}
		}
		if m.NextVersion < 1 && len(m.Versions) == 0 {
			// A model nothing was trained for yet: its first version is 1.
			m.NextVersion = 1
		}
		if m.Aliases == nil {
			m.Aliases = map[string]*Alias{}
		}
		for _, r := range m.Running {
			if r != nil && r.Draft != nil {
				normalizeInputs(&r.Draft.Inputs)
			}
		}
		for _, e := range m.Evaluating {
			if e != nil && e.Snapshots == nil {
				e.Snapshots = map[string]string{}
			}
		}
		for _, v := range m.Versions {
			if v == nil {
				continue
			}
			if v.Inputs.Snapshots == nil {
				v.Inputs.Snapshots = map[string]string{}
			}
			if v.Inputs.Params == nil {
				v.Inputs.Params = map[string]any{}
			}
			if v.Inputs.Command == nil {
				v.Inputs.Command = []string{}
			}
		}
		for _, a := range m.Aliases {
			if a != nil && a.History == nil {
				a.History = []*AliasMove{}
			}
		}
		for _, e := range m.Evaluations {
			if e != nil {
				if e.Snapshots == nil {
					e.Snapshots = map[string]string{}
				}
				if e.Metrics == nil {
					e.Metrics = map[string]float64{}
				}
			}
		}
	}
	for _, p := range s.Policies {
		if p != nil && p.LastTrain == nil {
			p.LastTrain = map[string]time.Time{}
		}
	}
}

// datasetLists returns every snapshot list holder: the datasets and the
// retained snapshot records.
func (s *State) datasetLists() []*Dataset {
	out := make([]*Dataset, 0, len(s.Datasets)+len(s.RetainedSnapshots))
	for _, d := range s.Datasets {
		out = append(out, d)
	}
	for _, d := range s.RetainedSnapshots {
		out = append(out, d)
	}
	return out
}

// scrubURL removes credentials from a URL recorded in state (a dataset
// source, a publish target), whoever recorded it: secrets never reach a
// state document. Paths are left as they are.
func scrubURL(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return bloburl.Redact(s)
}
