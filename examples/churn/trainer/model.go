package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
)

// features are the model's inputs, in weight order after the bias.
var features = []string{"tenure", "monthly_charges", "contract=one-year", "contract=two-year"}

// model is what model.json holds. Struct fields (not maps) keep the JSON
// key order fixed.
type model struct {
	Kind     string    `json:"kind"`
	Features []string  `json:"features"`
	Bias     float64   `json:"bias"`
	Weights  []float64 `json:"weights"`
	// Mean and Std standardise the numeric features as in training.
	Mean         []float64 `json:"mean"`
	Std          []float64 `json:"std"`
	LearningRate float64   `json:"learning_rate"`
	Epochs       int       `json:"epochs"`
	TrainRows    int       `json:"train_rows"`
}

// metrics is what metrics.json holds: flat name -> number.
type metrics struct {
	Accuracy float64 `json:"accuracy"`
	AUC      float64 `json:"auc"`
	LogLoss  float64 `json:"logloss"`
	Rows     int     `json:"rows"`
}

func (m *model) vector(r row) []float64 {
	x := []float64{r.tenure, r.monthly, 0, 0}
	switch r.contract {
	case "one-year":
		x[2] = 1
	case "two-year":
		x[3] = 1
	}
	for i := range m.Mean {
		x[i] = (x[i] - m.Mean[i]) / m.Std[i]
	}
	return x
}

// predict is the churn probability. Explicit float64 conversions stop the
// compiler from fusing multiply-adds, which would make results differ by
// architecture.
func (m *model) predict(x []float64) float64 {
	z := m.Bias
	for i, w := range m.Weights {
		z += float64(w * x[i])
	}
	return 1 / (1 + portableExp(-z))
}

// fit runs per-row SGD over train in order for p.Epochs epochs.
func fit(train []row, p params, progress func(epoch int, m *model, loss float64)) *model {
	m := &model{Kind: "logistic_regression", Features: features, Weights: make([]float64, len(features)),
		LearningRate: p.LearningRate, Epochs: p.Epochs, TrainRows: len(train)}
	m.Mean, m.Std = standardise(train)
	xs := make([][]float64, len(train))
	for i, r := range train {
		xs[i] = m.vector(r)
	}
	for epoch := 1; epoch <= p.Epochs; epoch++ {
		loss := 0.0
		for i, r := range train {
			pr := m.predict(xs[i])
			g := pr - label(r)
			m.Bias -= float64(p.LearningRate * g)
			for j := range m.Weights {
				m.Weights[j] -= float64(p.LearningRate * float64(g*xs[i][j]))
			}
			loss += logloss(pr, r)
		}
		progress(epoch, m, loss/float64(len(train)))
	}
	return m
}

func standardise(rows []row) (mean, std []float64) {
	mean, std = make([]float64, 2), make([]float64, 2)
	for _, r := range rows {
		mean[0] += r.tenure
		mean[1] += r.monthly
	}
	for i := range mean {
		mean[i] /= float64(len(rows))
	}
	for _, r := range rows {
		std[0] += float64((r.tenure - mean[0]) * (r.tenure - mean[0]))
		std[1] += float64((r.monthly - mean[1]) * (r.monthly - mean[1]))
	}
	for i := range std {
		std[i] = math.Sqrt(std[i] / float64(len(rows)))
		if std[i] == 0 {
			std[i] = 1
		}
	}
	return mean, std
}

func label(r row) float64 {
	if r.churned {
		return 1
	}
	return 0
}

func logloss(p float64, r row) float64 {
	p = math.Min(math.Max(p, 1e-15), 1-1e-15)
	if r.churned {
		return -portableLog(p)
	}
	return -portableLog(1 - p)
}

// evaluate scores rows: accuracy at 0.5, ROC AUC (ties averaged) and mean
// log loss.
func (m *model) evaluate(rows []row) metrics {
	type scored struct {
		p float64
		y bool
	}
	s := make([]scored, len(rows))
	correct, loss := 0, 0.0
	for i, r := range rows {
		p := m.predict(m.vector(r))
		s[i] = scored{p, r.churned}
		if (p >= 0.5) == r.churned {
			correct++
		}
		loss += logloss(p, r)
	}
	sort.SliceStable(s, func(i, j int) bool { return s[i].p < s[j].p })
	// AUC = (sum of positive ranks - P(P+1)/2) / (P*N), ranks averaged over ties.
	var pos, neg, rankSum float64
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j].p == s[i].p {
			j++
		}
		avg := float64(i+j+1) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			if s[k].y {
				pos++
				rankSum += avg
			} else {
				neg++
			}
		}
		i = j
	}
	auc := 0.5
	if pos > 0 && neg > 0 {
		auc = (rankSum - pos*(pos+1)/2) / (pos * neg)
	}
	return metrics{
		Accuracy: round(float64(correct) / float64(len(rows))),
		AUC:      round(auc),
		LogLoss:  round(loss / float64(len(rows))),
		Rows:     len(rows),
	}
}

// round keeps metrics readable in plans and tables (6 decimals).
func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func readModel(path string) (*model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	var m model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	if len(m.Weights) != len(features) || len(m.Mean) != 2 || len(m.Std) != 2 {
		return nil, fmt.Errorf("model %s: want %d weights and 2 means/stds, got %d, %d, %d", path, len(features), len(m.Weights), len(m.Mean), len(m.Std))
	}
	for _, s := range m.Std {
		if !(s > 0) {
			return nil, fmt.Errorf("model %s: std must be positive", path)
		}
	}
	return &m, nil
}
