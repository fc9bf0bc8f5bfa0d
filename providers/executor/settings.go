package executor

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlform/mlform/internal/suggest"
)

// SettingType is the type of one executor setting's value.
type SettingType int

// Setting types. Each decodes to one Go type in Settings.
const (
	// String is a string; a whole number written without quotes is
	// accepted too (`memory = 4096` is "4096").
	String SettingType = iota + 1
	// Int is a whole number (int).
	Int
	// Bool is true or false (bool).
	Bool
	// StringList is a list of strings ([]string).
	StringList
	// Duration is a Go duration string such as "30s" (time.Duration).
	Duration
)

// String names the type as the settings reference does ("a string").
func (t SettingType) String() string {
	switch t {
	case String:
		return "a string"
	case Int:
		return "a whole number"
	case Bool:
		return "true or false"
	case StringList:
		return "a list of strings"
	case Duration:
		return `a duration such as "30s"`
	}
	return "an unknown type"
}

// Setting declares one argument of an executor's settings block, the
// block named after the executor in an environment:
//
//	environment "gpu" {
//	  executor = "slurm"
//	  slurm { partition = "gpu" }
//	}
//
// The declaration is all that is needed: config parses any such block
// generically, and validate checks it against the declarations (unknown
// names with a suggestion, wrong types, values Check refuses) at the
// argument's file:line:col.
//
// Executor settings say where a step runs and with how much (a queue, a
// node type, CPUs, memory), never what it computes, so they are not part
// of a version's environment fingerprint: moving a model to another
// partition does not retrain it. Whatever changes what runs belongs in the
// shared environment arguments (image, env, files), which are.
type Setting struct {
	Name string
	Type SettingType
	// Doc is one line for messages and docs: what the setting does.
	Doc string
	// Check, when set, validates a decoded value (of the Go type Type
	// names). Its error says what is wrong with the value, without
	// repeating the setting's name.
	Check func(v any) error
	// Required: the executor cannot run a step without it. validate
	// refuses an environment that chooses the executor and leaves it
	// unset (Decode does not: the executor itself says so when it runs).
	Required bool
}

// Settings are an executor's decoded settings: each value has the Go type
// of its declaration (string, int, bool, []string, time.Duration). Unset
// settings are absent; the accessors return the zero value for them.
type Settings map[string]any

// String returns a String setting ("" when unset).
func (s Settings) String(name string) string { v, _ := s[name].(string); return v }

// Int returns an Int setting (0 when unset).
func (s Settings) Int(name string) int { v, _ := s[name].(int); return v }

// Bool returns a Bool setting (false when unset).
func (s Settings) Bool(name string) bool { v, _ := s[name].(bool); return v }

// Strings returns a StringList setting (nil when unset).
func (s Settings) Strings(name string) []string { v, _ := s[name].([]string); return v }

// Duration returns a Duration setting (0 when unset).
func (s Settings) Duration(name string) time.Duration { v, _ := s[name].(time.Duration); return v }

// ElementError is a problem with one element of a list setting: a
// Check returns one so that validate can point at the element rather
// than the whole list.
type ElementError struct {
	Index int // 0-based
	Err   error
}

func (e *ElementError) Error() string { return e.Err.Error() }
func (e *ElementError) Unwrap() error { return e.Err }

// SettingError is what is wrong with one setting of an executor: it is
// unknown (Suggestion may name the setting meant), or its value is of the
// wrong type or refused by the declaration's Check. Setting is "" for a
// problem of the block as a whole (two settings that conflict).
type SettingError struct {
	Executor, Setting string
	Unknown           bool
	// Known lists the executor's settings, for an unknown one.
	Known      []string
	Suggestion string
	Problem    string
	// Element is the 1-based element of a list setting the problem is
	// in; 0 for the setting as a whole.
	Element int
}

func (e *SettingError) Error() string {
	if e.Unknown {
		msg := fmt.Sprintf("executor %q has no setting %q", e.Executor, e.Setting)
		if e.Suggestion != "" {
			msg += fmt.Sprintf("; did you mean %q?", e.Suggestion)
		}
		if len(e.Known) > 0 {
			msg += " (it has: " + strings.Join(e.Known, ", ") + ")"
		} else {
			msg += " (it has no settings)"
		}
		return msg
	}
	if e.Setting == "" {
		return fmt.Sprintf("%s settings: %s", e.Executor, e.Problem)
	}
	return fmt.Sprintf("%s setting %s: %s", e.Executor, e.Setting, e.Problem)
}

// decodeSettings converts raw values (as config evaluates them: string,
// float64, bool, []any, map[string]any, nil) to the declared types and
// runs each declaration's Check. Every problem is a *SettingError, joined.
func decodeSettings(executor string, decls []Setting, raw map[string]any) (Settings, error) {
	byName := make(map[string]Setting, len(decls))
	names := make([]string, 0, len(decls))
	for _, d := range decls {
		byName[d.Name] = d
		names = append(names, d.Name)
	}
	slices.Sort(names)
	out := Settings{}
	var errs []error
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range raw {
			if !yield(k) {
				return
			}
		}
	}) {
		d, ok := byName[k]
		if !ok {
			errs = append(errs, &SettingError{Executor: executor, Setting: k, Unknown: true, Known: names, Suggestion: suggest.Closest(k, names)})
			continue
		}
		if raw[k] == nil {
			continue // null: unset
		}
		v, err := decodeValue(d.Type, raw[k])
		if err == nil && d.Check != nil {
			err = d.Check(v)
		}
		if err != nil {
			se := &SettingError{Executor: executor, Setting: k, Problem: err.Error()}
			var ee *ElementError
			if errors.As(err, &ee) {
				se.Element = ee.Index + 1
			}
			errs = append(errs, se)
			continue
		}
		out[k] = v
	}
	return out, errors.Join(errs...)
}

// decodeValue converts one raw value to t's Go type.
func decodeValue(t SettingType, raw any) (any, error) {
	want := func() error { return fmt.Errorf("want %s, not %s", t, describe(raw)) }
	switch t {
	case String:
		switch v := raw.(type) {
		case string:
			return v, nil
		case float64:
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
				return strconv.FormatInt(int64(v), 10), nil
			}
		}
	case Int:
		if v, ok := raw.(float64); ok && v == math.Trunc(v) && math.Abs(v) <= math.MaxInt32 {
			return int(v), nil
		}
		if s, ok := raw.(string); ok {
			if n, err := strconv.Atoi(s); err == nil {
				return n, nil
			}
		}
	case Bool:
		if v, ok := raw.(bool); ok {
			return v, nil
		}
	case StringList:
		list, ok := raw.([]any)
		if !ok {
			return nil, want()
		}
		out := make([]string, len(list))
		for i, el := range list {
			s, ok := el.(string)
			if !ok {
				return nil, &ElementError{Index: i, Err: fmt.Errorf("element %d: want a string, not %s", i, describe(el))}
			}
			out[i] = s
		}
		return out, nil
	case Duration:
		if s, ok := raw.(string); ok {
			d, err := time.ParseDuration(s)
			if err != nil || d < 0 {
				return nil, fmt.Errorf("want a non-negative duration such as \"30s\", not %q", s)
			}
			return d, nil
		}
	}
	return nil, want()
}

// describe names a raw value's type for messages.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", v)
	case float64:
		return "the number " + strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return "a bool"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
