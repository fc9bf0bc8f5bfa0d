package kubernetes

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
)

// pod is a Job's pod on node-1 whose step container ended as term.
func pod(term *corev1.ContainerStateTerminated, edit func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "job-abc12"}, Spec: corev1.PodSpec{NodeName: "node-1"},
		Status: corev1.PodStatus{Phase: corev1.PodFailed}}
	if term != nil {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: ContainerName, State: corev1.ContainerState{Terminated: term}}}
	}
	if edit != nil {
		edit(p)
	}
	return p
}

func cond(t batchv1.JobConditionType, reason, msg string) *batchv1.JobCondition {
	return &batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: msg}
}

func TestClassify(t *testing.T) {
	failed := cond(batchv1.JobFailed, batchv1.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit")
	tests := []struct {
		name       string
		o          outcome
		wantStatus string
		wantReason []string // substrings; nil: no reason
	}{
		{"complete", outcome{Cond: cond(batchv1.JobComplete, "", ""), Pod: pod(&corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}, nil)},
			state.StatusSucceeded, nil},
		{"complete, pod already gone", outcome{Cond: cond(batchv1.JobComplete, "", ""), Gone: true}, state.StatusSucceeded, nil},
		{"exit code", outcome{Cond: failed, Pod: pod(&corev1.ContainerStateTerminated{ExitCode: 3, Reason: "Error"}, nil)},
			state.StatusFailed, []string{"kubernetes job j pod job-abc12 on node-1", "container exited with code 3"}},
		{"oom killed", outcome{Cond: failed, Memory: "4Gi", Pod: pod(&corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}, nil)},
			state.StatusFailed, []string{"OOMKilled (exit code 137)", "memory limit of 4Gi"}},
		{"evicted by the kubelet", outcome{Cond: failed, Pod: pod(&corev1.ContainerStateTerminated{ExitCode: 137}, func(p *corev1.Pod) {
			p.Status.Reason, p.Status.Message = "Evicted", "The node was low on resource: memory."
		})}, state.StatusFailed, []string{"Evicted: The node was low on resource: memory."}},
		{"evicted through the API", outcome{Cond: failed, Pod: pod(&corev1.ContainerStateTerminated{ExitCode: 143}, func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
				Reason: "EvictionByEvictionAPI", Message: "Eviction API: evicting"}}
		})}, state.StatusFailed, []string{"EvictionByEvictionAPI: Eviction API: evicting"}},
		{"preempted", outcome{Cond: failed, Pod: pod(nil, func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
				Reason: "PreemptionByScheduler", Message: "preempted by a higher-priority pod"}}
		})}, state.StatusFailed, []string{"PreemptionByScheduler"}},
		{"deadline exceeded", outcome{Cond: cond(batchv1.JobFailed, batchv1.JobReasonDeadlineExceeded, "Job was active longer than specified deadline"), Pod: pod(nil, nil)},
			state.StatusTimedOut, []string{"DeadlineExceeded: Job was active longer than specified deadline"}},
		{"deleted outside mlform", outcome{Gone: true, Pod: pod(&corev1.ContainerStateTerminated{ExitCode: 143}, nil)},
			state.StatusFailed, []string{"deleted outside mlform"}},
		{"pod deleted outside mlform", outcome{Cond: failed, Pod: pod(&corev1.ContainerStateTerminated{ExitCode: 143, Reason: "Error"}, func(p *corev1.Pod) {
			p.DeletionTimestamp = &metav1.Time{Time: time.Unix(1, 0)}
		})}, state.StatusFailed, []string{"pod job-abc12 on node-1 was deleted outside mlform before it finished: container exited with code 143"}},
		{"pod force-deleted while running", outcome{Cond: failed, PodGone: true, Pod: pod(nil, func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning })},
			state.StatusFailed, []string{"pod job-abc12 on node-1 was deleted outside mlform before it finished"}},
		{"stuck image", outcome{Cause: stoppedStuck, Stuck: "pod job-abc12: ImagePullBackOff: Back-off pulling image \"nope\""},
			state.StatusFailed, []string{"could not start", "ImagePullBackOff", `"nope"`}},
		{"timeout wins over exit 0", outcome{Cause: stoppedTimeout, Timeout: 90 * time.Second, Gone: true,
			Pod: pod(&corev1.ContainerStateTerminated{ExitCode: 0}, nil)}, state.StatusTimedOut, []string{"timeout 1m30s reached"}},
		{"cancel", outcome{Cause: stoppedCancel, Gone: true, Pod: pod(nil, nil)}, state.StatusCancelled, []string{"cancelled by mlform"}},
		{"init container failed", outcome{Cond: failed, Pod: pod(&corev1.ContainerStateTerminated{ExitCode: 137, Reason: "ContainerStatusUnknown"}, func(p *corev1.Pod) {
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: InitContainerName, Image: "reg/mlform:1",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", Message: "no space left on device"}}}}
		})}, state.StatusFailed, []string{"init container mlform-install (image reg/mlform:1) exited with code 1", "no space left on device"}},
		{"other failure", outcome{Cond: cond(batchv1.JobFailed, "PodFailurePolicy", "Container step for pod default/x failed with exit code 42 matching FailJob rule")},
			state.StatusFailed, []string{"PodFailurePolicy: Container step"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Job = "j"
			status, reason := classify(tt.o)
			if status != tt.wantStatus {
				t.Errorf("status %q, want %q (reason %q)", status, tt.wantStatus, reason)
			}
			wanterr.CheckText(t, "reason", reason, tt.wantReason)
		})
	}
}

func TestPodProgress(t *testing.T) {
	now := metav1.Now()
	tests := []struct {
		name                      string
		pod                       *corev1.Pod
		wantState, wantReason, on string
	}{
		{"unschedulable", &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "0/3 nodes are available:\n 3 Insufficient nvidia.com/gpu."}}}},
			"Pending", "Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.", ""},
		{"pulling", &corev1.Pod{Spec: corev1.PodSpec{NodeName: "n1"}, Status: corev1.PodStatus{Phase: corev1.PodPending,
			ContainerStatuses: []corev1.ContainerStatus{{Name: ContainerName, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}}}},
			"Pending", "ContainerCreating", "n1"},
		{"running", &corev1.Pod{Spec: corev1.PodSpec{NodeName: "n1"}, Status: corev1.PodStatus{Phase: corev1.PodRunning,
			ContainerStatuses: []corev1.ContainerStatus{{Name: ContainerName, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}}}},
			"Running", "", "n1"},
		{"ended", &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := podProgress("job-1", tt.pod)
			if pr.State != tt.wantState || pr.Reason != tt.wantReason || pr.Host != tt.on || pr.JobID != "job-1" {
				t.Errorf("got %+v, want state %q reason %q host %q", pr, tt.wantState, tt.wantReason, tt.on)
			}
		})
	}
}

// TestDetail: lineage's words for a pod, with the image as the cluster
// resolved it and the digest alone.
func TestDetail(t *testing.T) {
	const dg = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	status := func(image, id string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].Image, p.Status.ContainerStatuses[0].ImageID = image, id
		}
	}
	tests := []struct {
		name       string
		p          *corev1.Pod
		detail, dg string
	}{
		{"no pod", nil, "", ""},
		{"no status yet", pod(nil, nil), "pod job-abc12", ""},
		{"tag resolved", pod(&corev1.ContainerStateTerminated{}, status("reg/train:1", "docker-pullable://reg/train@"+dg)),
			"pod job-abc12, image reg/train:1 (reg/train@" + dg + ")", dg},
		{"pinned", pod(&corev1.ContainerStateTerminated{}, status("reg/train@"+dg, "reg/train@"+dg)),
			"pod job-abc12, image reg/train@" + dg, dg},
		{"runtime's image id", pod(&corev1.ContainerStateTerminated{}, status("reg/train:1", dg)),
			"pod job-abc12, image reg/train:1 (" + dg + ")", dg},
		{"no image id", pod(&corev1.ContainerStateTerminated{}, status("reg/train:1", "")), "pod job-abc12, image reg/train:1", ""},
		{"not a digest", pod(&corev1.ContainerStateTerminated{}, status("reg/train:1", "sha256:short")),
			"pod job-abc12, image reg/train:1 (sha256:short)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, g := detail(tt.p)
			if d != tt.detail || g != tt.dg {
				t.Errorf("detail = %q, %q; want %q, %q", d, g, tt.detail, tt.dg)
			}
		})
	}
}
