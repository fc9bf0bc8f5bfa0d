package statemgr

import (
	"encoding"
	"encoding/binary"
	"encoding/json"
	"hash/maphash"
	"math"
	"reflect"
	"time"
)

// valueHasher fingerprints in-memory state values without encoding them, so
// a journaled write can find which top-level entries changed far cheaper
// than the JSON encoding (which runs only on the entries that changed). It
// walks values by reflection, so a field added to the state model is
// covered without a change here; the walk for each type is built once.
// Two values with the same JSON encoding may hash differently (a nil and an
// empty map): that only journals an entry that did not change. Values that
// encode differently hash differently except with probability 2^-64 per
// entry.
type valueHasher struct {
	seed  maphash.Seed
	buf   []byte
	funcs map[reflect.Type]hashFunc
	// spare are reset hashes for map entries, one per nesting level.
	spare []*maphash.Hash
}

// hashFunc writes one value of a given type.
type hashFunc func(h *valueHasher, mh *maphash.Hash, v reflect.Value)

func newValueHasher() *valueHasher {
	return &valueHasher{seed: maphash.MakeSeed(), funcs: map[reflect.Type]hashFunc{}}
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// sum returns v's fingerprint.
func (h *valueHasher) sum(v reflect.Value) uint64 {
	var mh maphash.Hash
	mh.SetSeed(h.seed)
	h.write(&mh, v)
	return mh.Sum64()
}

func (h *valueHasher) write(mh *maphash.Hash, v reflect.Value) {
	if !v.IsValid() {
		mh.WriteByte(0)
		return
	}
	h.funcFor(v.Type())(h, mh, v)
}

func (h *valueHasher) u64(mh *maphash.Hash, x uint64) {
	h.buf = binary.LittleEndian.AppendUint64(h.buf[:0], x)
	mh.Write(h.buf)
}

// takeSpare returns a seeded hash for one map's entries; the caller gives
// it back to h.spare when done.
func (h *valueHasher) takeSpare() *maphash.Hash {
	if n := len(h.spare); n > 0 {
		eh := h.spare[n-1]
		h.spare = h.spare[:n-1]
		return eh
	}
	eh := &maphash.Hash{}
	eh.SetSeed(h.seed)
	return eh
}

// funcFor returns (building once) the walk for values of type t.
func (h *valueHasher) funcFor(t reflect.Type) hashFunc {
	if f, ok := h.funcs[t]; ok {
		return f
	}
	// Recursive types find this indirection while their walk is built.
	var f hashFunc
	h.funcs[t] = func(h *valueHasher, mh *maphash.Hash, v reflect.Value) { f(h, mh, v) }
	f = h.build(t)
	h.funcs[t] = f
	return f
}

func (h *valueHasher) build(t reflect.Type) hashFunc {
	if t == timeType {
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			mh.WriteByte('t')
			h.buf = v.Interface().(time.Time).AppendFormat(h.buf[:0], time.RFC3339Nano)
			mh.Write(h.buf)
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := h.funcFor(t.Elem())
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			if v.IsNil() {
				mh.WriteByte(0)
				return
			}
			mh.WriteByte(1)
			elem(h, mh, v.Elem())
		}
	case reflect.Interface:
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			if v.IsNil() {
				mh.WriteByte(0)
				return
			}
			e := v.Elem()
			mh.WriteByte(1)
			mh.WriteString(e.Type().String())
			h.funcFor(e.Type())(h, mh, e)
		}
	}
	if t.Implements(jsonMarshaler) || t.Implements(textMarshaler) {
		// A custom encoding may depend on unexported fields: hash what
		// is written.
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			b, err := json.Marshal(v.Interface())
			if err != nil {
				mh.WriteString(err.Error())
			}
			mh.WriteByte('j')
			mh.Write(b)
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		type field struct {
			index int
			f     hashFunc
		}
		var fields []field
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				fields = append(fields, field{i, h.funcFor(t.Field(i).Type)})
			}
		}
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			mh.WriteByte('{')
			for _, f := range fields {
				f.f(h, mh, v.Field(f.index))
			}
			mh.WriteByte('}')
		}
	case reflect.Slice, reflect.Array:
		elem := h.funcFor(t.Elem())
		isSlice := t.Kind() == reflect.Slice
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			if isSlice && v.IsNil() {
				mh.WriteByte(0)
				return
			}
			mh.WriteByte('[')
			h.u64(mh, uint64(v.Len()))
			for i := range v.Len() {
				elem(h, mh, v.Index(i))
			}
		}
	case reflect.Map:
		key, elem := h.funcFor(t.Key()), h.funcFor(t.Elem())
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			if v.IsNil() {
				mh.WriteByte(0)
				return
			}
			// Order-independent: the sum of each key and value's own hash.
			var total uint64
			eh := h.takeSpare()
			it := v.MapRange()
			for it.Next() {
				eh.Reset()
				key(h, eh, it.Key())
				elem(h, eh, it.Value())
				total += eh.Sum64()
			}
			h.spare = append(h.spare, eh)
			mh.WriteByte('m')
			h.u64(mh, uint64(v.Len()))
			h.u64(mh, total)
		}
	case reflect.String:
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			mh.WriteByte('s')
			h.u64(mh, uint64(v.Len()))
			mh.WriteString(v.String())
		}
	case reflect.Bool:
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			if v.Bool() {
				mh.WriteByte('T')
			} else {
				mh.WriteByte('F')
			}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			mh.WriteByte('i')
			h.u64(mh, uint64(v.Int()))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			mh.WriteByte('u')
			h.u64(mh, v.Uint())
		}
	case reflect.Float32, reflect.Float64:
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) {
			mh.WriteByte('f')
			h.u64(mh, math.Float64bits(v.Float()))
		}
	default:
		// Channels, funcs: never part of a state; hash the kind.
		kind := t.Kind().String()
		return func(h *valueHasher, mh *maphash.Hash, v reflect.Value) { mh.WriteString(kind) }
	}
}
