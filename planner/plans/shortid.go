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
