package executor

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

func BenchmarkParseMetrics(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("{")
	for i := 0; i < 50; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"metric_%d": %v`, i, 0.1234567*float64(i))
	}
	sb.WriteString("}")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseMetrics(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPrefixWriter(b *testing.B) {
	chunk := []byte(strings.Repeat("epoch 10/30 training logloss 0.4538\n", 100))
	w := NewPrefixWriter(io.Discard, LinePrefix("churn", 3))
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		if _, err := w.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
}
