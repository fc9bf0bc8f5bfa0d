package plans

// ShortID abbreviates a content id for messages (the full id is in the
// JSON and the state).
func ShortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// MinIDPrefix is the shortest snapshot id prefix accepted (like git's
// abbreviated hashes, long enough to stay unique in practice).
const MinIDPrefix = 8

// ForgetLabel is the short address a forget action shows:
// "dataset.churn@72f28763" (8 digits of the id) or "model.churn@3".
func ForgetLabel(a *Action) string {
	if f := a.Forget; f != nil && f.Dataset != "" {
		return "dataset." + f.Dataset + "@" + f.Snapshot[:min(len(f.Snapshot), MinIDPrefix)]
	}
	return a.Addr
}
