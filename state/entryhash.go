package state

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
// a journaled write can find which top-level entries changed in time
// proportional to the state's size but far cheaper than the JSON encoding
// (which runs only on the entries that changed). It walks values by
// reflection, so a field added to the state model is covered without a
// change here. Two values with the same JSON encoding may hash differently
// (a nil and an empty map): that only journals an entry that did not
// change. Values that encode differently hash differently except with
// probability 2^-64 per entry.
type valueHasher struct {
	seed  maphash.Seed
	buf   []byte
	types map[reflect.Type]*typeInfo
	// spare are reset hashes for map entries, one per nesting level.
	spare []*maphash.Hash
}

// typeInfo is what the walk needs of a type, looked up once.
type typeInfo struct {
	isTime    bool
	marshaler bool  // custom JSON or text encoding: hash the encoding
	fields    []int // a struct's exported fields
}

func newValueHasher() *valueHasher {
	return &valueHasher{seed: maphash.MakeSeed(), types: map[reflect.Type]*typeInfo{}}
}

func (h *valueHasher) info(t reflect.Type) *typeInfo {
	if ti, ok := h.types[t]; ok {
		return ti
	}
	ti := &typeInfo{isTime: t == timeType}
	if k := t.Kind(); k != reflect.Pointer && k != reflect.Interface {
		ti.marshaler = !ti.isTime && (t.Implements(jsonMarshaler) || t.Implements(textMarshaler))
	}
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				ti.fields = append(ti.fields, i)
			}
		}
	}
	h.types[t] = ti
	return ti
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

func (h *valueHasher) u64(mh *maphash.Hash, x uint64) {
	h.buf = binary.LittleEndian.AppendUint64(h.buf[:0], x)
	mh.Write(h.buf)
}

func (h *valueHasher) write(mh *maphash.Hash, v reflect.Value) {
	if !v.IsValid() {
		mh.WriteByte(0)
		return
	}
	ti := h.info(v.Type())
	if ti.isTime {
		mh.WriteByte('t')
		h.buf = v.Interface().(time.Time).AppendFormat(h.buf[:0], time.RFC3339Nano)
		mh.Write(h.buf)
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			mh.WriteByte(0)
			return
		}
		mh.WriteByte(1)
		if v.Kind() == reflect.Interface {
			mh.WriteString(v.Elem().Type().String())
		}
		h.write(mh, v.Elem())
		return
	}
	if ti.marshaler {
		// A custom encoding may depend on unexported fields: hash what
		// is written.
		b, err := json.Marshal(v.Interface())
		if err != nil {
			mh.WriteString(err.Error())
		}
		mh.WriteByte('j')
		mh.Write(b)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		mh.WriteByte('{')
		for _, i := range ti.fields {
			h.write(mh, v.Field(i))
		}
		mh.WriteByte('}')
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			mh.WriteByte(0)
			return
		}
		mh.WriteByte('[')
		h.u64(mh, uint64(v.Len()))
		for i := range v.Len() {
			h.write(mh, v.Index(i))
		}
	case reflect.Map:
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
			h.write(eh, it.Key())
			h.write(eh, it.Value())
			total += eh.Sum64()
		}
		h.spare = append(h.spare, eh)
		mh.WriteByte('m')
		h.u64(mh, uint64(v.Len()))
		h.u64(mh, total)
	case reflect.String:
		mh.WriteByte('s')
		h.u64(mh, uint64(v.Len()))
		mh.WriteString(v.String())
	case reflect.Bool:
		if v.Bool() {
			mh.WriteByte('T')
		} else {
			mh.WriteByte('F')
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		mh.WriteByte('i')
		h.u64(mh, uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		mh.WriteByte('u')
		h.u64(mh, v.Uint())
	case reflect.Float32, reflect.Float64:
		mh.WriteByte('f')
		h.u64(mh, math.Float64bits(v.Float()))
	default:
		// Channels, funcs: never part of a state; hash the kind.
		mh.WriteString(v.Kind().String())
	}
}
