package slurm

import (
	"errors"
	"testing"
	"time"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/state"
)

func taskFor(model string, version int, step string) executor.Task {
	return executor.Task{Model: model, Version: version, Step: step, Command: []string{"true"}}
}

// Lines as Slurm 22.05's `scontrol show job -o` prints them (trimmed).
const (
	lineFailed  = `JobId=1 JobName=x UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901759 Nice=0 Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=0 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=3:0 RunTime=00:00:00 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-12-02T06:16:24 EligibleTime=2026-12-02T06:16:24 AccrueTime=2026-12-02T06:16:24 StartTime=2026-12-02T06:16:27 EndTime=2026-12-02T06:16:29 Deadline=N/A Partition=debug AllocNode:Sid=localhost:1554 ReqNodeList=(null) NodeList=node-3 BatchHost=node-3 NumNodes=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 Command=(null) WorkDir=/tmp/my work StdErr=/tmp/a b/err StdIn=/dev/null StdOut=/tmp/a b/out Power= `
	linePending = `JobId=2 JobName=mlform-churn-v5-train UserId=root(0) JobState=PENDING Reason=BeginTime Dependency=(null) ExitCode=0:0 SubmitTime=2026-12-02T06:16:24 StartTime=2026-12-02T07:16:24 EndTime=Unknown NodeList= NumNodes=1 TRES=cpu=1,mem=4G,node=1,billing=1 WorkDir=/tmp StdErr=/tmp/slurm-2.out StdIn=/dev/null StdOut=/tmp/slurm-2.out Power= `
	lineKilled  = `JobId=7 JobName=j JobState=FAILED Reason=NonZeroExitCode ExitCode=0:9 SubmitTime=2026-12-02T06:16:24 StartTime=2026-12-02T06:16:25 EndTime=2026-12-02T06:16:26 NodeList=n1 BatchHost=n1 StdOut=/o StdErr=/e`
)

func TestParseScontrol(t *testing.T) {
	tests := []struct {
		name, line string
		want       JobInfo
		wantErr    string
	}{
		{"failed with spaces in paths", lineFailed, JobInfo{
			ID: "1", Name: "x", State: "FAILED", Reason: "NonZeroExitCode", ExitCode: 3, Node: "node-3",
			Submit: at("2026-12-02T06:16:24"), Start: at("2026-12-02T06:16:27"), End: at("2026-12-02T06:16:29"),
			Stdout: "/tmp/a b/out", Stderr: "/tmp/a b/err",
		}, ""},
		{"pending", linePending, JobInfo{
			ID: "2", Name: "mlform-churn-v5-train", State: "PENDING", Reason: "BeginTime",
			Submit: at("2026-12-02T06:16:24"), Start: at("2026-12-02T07:16:24"),
			Stdout: "/tmp/slurm-2.out", Stderr: "/tmp/slurm-2.out",
		}, ""},
		{"killed by signal", lineKilled, JobInfo{
			ID: "7", Name: "j", State: "FAILED", Reason: "NonZeroExitCode", ExitCode: 137, Node: "n1",
			Submit: at("2026-12-02T06:16:24"), Start: at("2026-12-02T06:16:25"), End: at("2026-12-02T06:16:26"),
			Stdout: "/o", Stderr: "/e",
		}, ""},
		{"empty", "", JobInfo{}, "unexpected scontrol output"},
		{"no state", "JobId=3 JobName=x", JobInfo{}, "unexpected scontrol output"},
		{"bad exit code", "JobId=3 JobState=FAILED ExitCode=x:1", JobInfo{}, `exit code "x:1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseScontrol(tt.line + "\n")
			if wanterr.Check(t, err, tt.wantErr) {
				return
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseSacct(t *testing.T) {
	out := "12|mlform-churn-v1-train|CANCELLED by 0|0:15|node-3|2026-12-02T06:16:24|2026-12-02T06:16:25|2026-12-02T06:17:00|None\n"
	got, err := parseSacct("12", out)
	if err != nil {
		t.Fatal(err)
	}
	want := JobInfo{ID: "12", Name: "mlform-churn-v1-train", State: "CANCELLED", ExitCode: 143, Node: "node-3",
		Submit: at("2026-12-02T06:16:24"), Start: at("2026-12-02T06:16:25"), End: at("2026-12-02T06:17:00")}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if _, err := parseSacct("13", out); !errors.Is(err, ErrUnknownJob) || !errors.Is(err, executor.ErrJobGone) {
		t.Errorf("a job sacct does not list: error %v, want ErrUnknownJob, an executor.ErrJobGone", err)
	}
}

func TestClassify(t *testing.T) {
	ended := func(st, reason string, code int) JobInfo {
		return JobInfo{ID: "9", State: st, Reason: reason, ExitCode: code, Node: "node-3"}
	}
	tests := []struct {
		name       string
		info       JobInfo
		cause      stopCause
		wantStatus string
		wantReason []string // substrings; nil: empty reason
	}{
		{"completed", ended("COMPLETED", "", 0), notStopped, state.StatusSucceeded, nil},
		{"failed", ended("FAILED", "NonZeroExitCode", 2), notStopped, state.StatusFailed, []string{"slurm job 9 on node-3 FAILED with exit code 2"}},
		{"launch failed", ended("FAILED", "JobLaunchFailure", 1), notStopped, state.StatusFailed, []string{"FAILED", "JobLaunchFailure"}},
		{"slurm time limit", ended("TIMEOUT", "TimeLimit", 143), notStopped, state.StatusTimedOut, []string{"TIMEOUT", "time limit"}},
		{"cancelled outside", ended("CANCELLED", "", 143), notStopped, state.StatusFailed, []string{"CANCELLED outside mlform"}},
		{"node failure", ended("NODE_FAIL", "NodeDown", 0), notStopped, state.StatusFailed, []string{"NODE_FAIL", "NodeDown"}},
		{"preempted", ended("PREEMPTED", "", 0), notStopped, state.StatusFailed, []string{"PREEMPTED"}},
		{"out of memory", ended("OUT_OF_MEMORY", "", 0), notStopped, state.StatusFailed, []string{"OUT_OF_MEMORY", "memory limit"}},
		{"boot failure", ended("BOOT_FAIL", "", 0), notStopped, state.StatusFailed, []string{"ended BOOT_FAIL"}},
		{"our timeout, exited 0 on TERM", ended("COMPLETED", "", 0), stoppedTimeout, state.StatusTimedOut, []string{"timeout 1m0s reached"}},
		{"our timeout, killed", ended("FAILED", "NonZeroExitCode", 137), stoppedTimeout, state.StatusTimedOut, []string{"timeout"}},
		{"our cancel", ended("CANCELLED", "", 143), stoppedCancel, state.StatusCancelled, []string{"cancelled by mlform"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, reason := classify(tt.info, tt.cause, time.Minute)
			if status != tt.wantStatus {
				t.Errorf("status %q, want %q", status, tt.wantStatus)
			}
			wanterr.CheckText(t, "reason", reason, tt.wantReason)
		})
	}
}

func TestTerminal(t *testing.T) {
	for st, want := range map[string]bool{
		"PENDING": false, "RUNNING": false, "COMPLETING": false, "SUSPENDED": false, "REQUEUED": false,
		"COMPLETED": true, "FAILED": true, "TIMEOUT": true, "CANCELLED": true, "NODE_FAIL": true,
		"PREEMPTED": true, "OUT_OF_MEMORY": true,
	} {
		if got := (JobInfo{State: st}).Terminal(); got != want {
			t.Errorf("%s: Terminal() = %v, want %v", st, got, want)
		}
	}
}

// FuzzParseScontrol: scontrol's output is parsed, never trusted to be
// well formed; no input may panic.
func FuzzParseScontrol(f *testing.F) {
	for _, s := range []string{lineFailed, linePending, lineKilled, "", "JobId= JobState=", "=== ExitCode=1:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := parseScontrol(s)
		if err == nil && (info.ID == "" || info.State == "") {
			t.Fatalf("accepted %q without a job id and state", s)
		}
		_, _ = parseSacct("1", s)
	})
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.Local)
	if err != nil {
		panic(err)
	}
	return t
}
