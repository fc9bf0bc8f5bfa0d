package statemgr

import (
	"reflect"

	"github.com/mlform/mlform/state"
	"github.com/mlform/mlform/state/statejournal"
)

// ObjectJournal holds the changes a long run (apply) recorded since the
// state document was last written whole: one line per change, each naming
// only the top-level entries (a dataset, a model, a policy, ...) it
// changed, so recording an action costs what it changed and not the whole
// document. docs/state.md, "The journal", has the format and the rules.
const ObjectJournal = statejournal.Name

// entryTracker remembers a fingerprint of every journaled member and map
// entry of the state as last stored, to find what a change touched.
type entryTracker struct {
	h       *valueHasher
	members []statejournal.Member
	fields  map[string]uint64
	entries map[string]map[string]uint64
}

func newEntryTracker() *entryTracker {
	return &entryTracker{h: newValueHasher(), members: statejournal.Members()}
}

// fingerprints computes every fingerprint of s.
func (t *entryTracker) fingerprints(s *state.State) (map[string]uint64, map[string]map[string]uint64) {
	fields := map[string]uint64{}
	entries := map[string]map[string]uint64{}
	v := reflect.ValueOf(s).Elem()
	for _, m := range t.members {
		fv := v.Field(m.Index)
		if !m.IsMap {
			fields[m.Name] = t.h.sum(fv)
			continue
		}
		e := make(map[string]uint64, fv.Len())
		it := fv.MapRange()
		for it.Next() {
			e[it.Key().String()] = t.h.sum(it.Value())
		}
		entries[m.Name] = e
	}
	return fields, entries
}

// snapshot and restore save and put back the fingerprints (copies of the
// maps a commit changes).
func (t *entryTracker) snapshot() trackerState {
	fields := make(map[string]uint64, len(t.fields))
	for k, v := range t.fields {
		fields[k] = v
	}
	entries := make(map[string]map[string]uint64, len(t.entries))
	for k, v := range t.entries {
		c := make(map[string]uint64, len(v))
		for kk, vv := range v {
			c[kk] = vv
		}
		entries[k] = c
	}
	return trackerState{fields, entries}
}

// trackerState is a saved copy of an entryTracker's fingerprints.
type trackerState struct {
	fields  map[string]uint64
	entries map[string]map[string]uint64
}

func (t *entryTracker) restore(saved trackerState) {
	t.fields, t.entries = saved.fields, saved.entries
}

// reset makes s the stored state.
func (t *entryTracker) reset(s *state.State) {
	t.fields, t.entries = t.fingerprints(s)
}

// diff returns the change from the stored state to s, and a commit
// function that makes s the stored state once the change is durable.
func (t *entryTracker) diff(s *state.State) (*statejournal.Entry, func(), error) {
	fields, entries := t.fingerprints(s)
	e := &statejournal.Entry{}
	v := reflect.ValueOf(s).Elem()
	for _, m := range t.members {
		fv := v.Field(m.Index)
		if !m.IsMap {
			if old, ok := t.fields[m.Name]; ok && old == fields[m.Name] {
				continue
			}
			if err := e.SetField(m.Name, fv.Interface()); err != nil {
				return nil, nil, err
			}
			continue
		}
		old, now := t.entries[m.Name], entries[m.Name]
		for key, sum := range now {
			if prev, ok := old[key]; ok && prev == sum {
				continue
			}
			if err := e.SetEntry(m.Name, key, fv.MapIndex(reflect.ValueOf(key).Convert(fv.Type().Key())).Interface()); err != nil {
				return nil, nil, err
			}
		}
		for key := range old {
			if _, ok := now[key]; !ok {
				if e.Delete == nil {
					e.Delete = map[string][]string{}
				}
				e.Delete[m.Name] = append(e.Delete[m.Name], key)
			}
		}
	}
	return e, func() { t.fields, t.entries = fields, entries }, nil
}

// changedOnly returns a State holding s's document fields and, of its
// journaled members, only what e changes: validating it checks exactly the
// changed entries (Validate's rules are per entry), so a journaled write
// costs what it changed. The entries are shared with s, not copied.
func (t *entryTracker) changedOnly(s *state.State, e *statejournal.Entry) *state.State {
	keys := map[string][]string{}
	for member, set := range e.Set {
		for key := range set {
			keys[member] = append(keys[member], key)
		}
	}
	return t.partial(s, keys)
}

// announcedOnly is changedOnly for the entries a change was announced to
// touch: normalizing it normalizes what the change can have touched.
func (t *entryTracker) announcedOnly(s *state.State, announced []entryKey) *state.State {
	keys := map[string][]string{}
	for _, k := range announced {
		keys[k.member] = append(keys[k.member], k.key)
	}
	return t.partial(s, keys)
}

// partial returns a State with s's document fields and members that are
// not maps, and of each map member only the entries keys names (those
// present in s). The entries are shared with s.
func (t *entryTracker) partial(s *state.State, keys map[string][]string) *state.State {
	part := reflect.New(reflect.TypeFor[state.State]()).Elem()
	v := reflect.ValueOf(s).Elem()
	journaled := map[int]bool{}
	for _, m := range t.members {
		journaled[m.Index] = true
		fv := v.Field(m.Index)
		switch {
		case !m.IsMap:
			part.Field(m.Index).Set(fv)
		case len(keys[m.Name]) > 0 && !fv.IsNil():
			sub := reflect.MakeMapWithSize(fv.Type(), len(keys[m.Name]))
			for _, key := range keys[m.Name] {
				k := reflect.ValueOf(key).Convert(fv.Type().Key())
				if val := fv.MapIndex(k); val.IsValid() {
					sub.SetMapIndex(k, val)
				}
			}
			part.Field(m.Index).Set(sub)
		}
	}
	for i := range part.NumField() {
		if !journaled[i] && part.Type().Field(i).IsExported() {
			part.Field(i).Set(v.Field(i))
		}
	}
	return part.Addr().Interface().(*state.State)
}

// diffAnnounced is diff for a change announced to touch only keys
// (journal_hint.go): it fingerprints those entries and the members that
// are not maps. ok is false when the state shows the announcement
// incomplete (a member's entry count moved otherwise than the announced
// keys explain, an unknown member): the caller then compares everything.
func (t *entryTracker) diffAnnounced(s *state.State, keys []entryKey) (e *statejournal.Entry, commit func(), ok bool, err error) {
	byName := make(map[string]statejournal.Member, len(t.members))
	for _, m := range t.members {
		byName[m.Name] = m
	}
	v := reflect.ValueOf(s).Elem()
	e = &statejournal.Entry{}
	fields := map[string]uint64{}
	type update struct {
		member, key string
		sum         uint64
		present     bool
	}
	var updates []update
	seen := map[entryKey]bool{}
	delta := map[string]int{}
	for _, k := range keys {
		m, known := byName[k.member]
		if !known || !m.IsMap {
			return nil, nil, false, nil
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		fv := v.Field(m.Index)
		old, had := t.entries[m.Name][k.key]
		var val reflect.Value
		if !fv.IsNil() {
			val = fv.MapIndex(reflect.ValueOf(k.key).Convert(fv.Type().Key()))
		}
		switch {
		case !val.IsValid() && had:
			delta[m.Name]--
			updates = append(updates, update{member: m.Name, key: k.key})
			if e.Delete == nil {
				e.Delete = map[string][]string{}
			}
			e.Delete[m.Name] = append(e.Delete[m.Name], k.key)
		case val.IsValid():
			if !had {
				delta[m.Name]++
			}
			sum := t.h.sum(val)
			if had && sum == old {
				continue
			}
			updates = append(updates, update{member: m.Name, key: k.key, sum: sum, present: true})
			if err := e.SetEntry(m.Name, k.key, val.Interface()); err != nil {
				return nil, nil, false, err
			}
		}
	}
	for _, m := range t.members {
		fv := v.Field(m.Index)
		if m.IsMap {
			if fv.Len() != len(t.entries[m.Name])+delta[m.Name] {
				return nil, nil, false, nil
			}
			continue
		}
		sum := t.h.sum(fv)
		fields[m.Name] = sum
		if old, ok := t.fields[m.Name]; ok && old == sum {
			continue
		}
		if err := e.SetField(m.Name, fv.Interface()); err != nil {
			return nil, nil, false, err
		}
	}
	commit = func() {
		for name, sum := range fields {
			t.fields[name] = sum
		}
		for _, u := range updates {
			if t.entries[u.member] == nil {
				t.entries[u.member] = map[string]uint64{}
			}
			if u.present {
				t.entries[u.member][u.key] = u.sum
			} else {
				delete(t.entries[u.member], u.key)
			}
		}
	}
	return e, commit, true, nil
}

// unannounced compares every entry of s with the fingerprints as they
// stand (after an announced change was committed) and names the first
// entry that changed anyway ("" when none did).
func (t *entryTracker) unannounced(s *state.State) string {
	fields, entries := t.fingerprints(s)
	for name, sum := range fields {
		if t.fields[name] != sum {
			return name
		}
	}
	for member, now := range entries {
		old := t.entries[member]
		for key, sum := range now {
			if prev, ok := old[key]; !ok || prev != sum {
				return member + "." + key
			}
		}
		for key := range old {
			if _, ok := now[key]; !ok {
				return member + "." + key + " (removed)"
			}
		}
	}
	return ""
}
