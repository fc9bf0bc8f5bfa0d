// Package dataset holds the dataset steps: Plan, the planning stage that
// observes every selected dataset's source and plans a snapshot when its
// content differs from the last one recorded (with the file diff), and
// RunSnapshot, the apply runner that stores the observed files, verifying
// each against the hash the plan saw, then records the snapshot.
package dataset
