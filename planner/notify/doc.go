// Package notify delivers apply's events to webhooks: after an action has
// written its outcome to state, each notify block that wants the event
// (and the model) gets one POST of a JSON document. Delivery is retried
// with backoff; a webhook that stays unreachable is a warning in the
// apply's output, never a failed action. A webhook URL is a credential:
// messages name it by scheme and host only. It is apart from the model
// steps because it is plain delivery: the steps decide which events
// happen and what they say.
package notify
