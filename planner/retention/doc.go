// Package retention holds the retention stage and its runner: Plan
// decides which recorded snapshots and versions a dataset's or model's
// `retention` block no longer keeps (one forget action each), and
// RunForget removes them from state (gc frees the data). It is apart from
// the dataset and model steps because it reads both and runs after every
// other stage: what those stages plan to use is protected.
package retention
