// Package raceflag tells whether the binary was built with the race
// detector (go build -race), as the standard library's internal/race does.
//
// make test runs every package once and the concurrent ones again under
// -race. A test whose cost under the detector buys nothing (one that waits
// a minute for a cluster's timer, or kills child processes that are
// themselves slowed ten times) runs in the first pass only: it skips when
// Enabled.
package raceflag
