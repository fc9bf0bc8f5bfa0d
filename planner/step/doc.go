// Package step runs one train or evaluate step under the training
// contract (providers/executor) and handles what it leaves: Local runs it
// here on the environment's executor; RunRemote is `mlform step run`, the
// job half of the remote-step protocol (providers/executor/remote); both
// capture its output (redacted) to log files, and ReadMetrics, PutTree,
// PutLogs, CheckOutputNames and StoredMetrics check and store its
// outputs the same way wherever it ran. ArchiveCode stores the code a
// step runs. It is apart from planner/model because the job side needs
// it without any of model planning.
package step
