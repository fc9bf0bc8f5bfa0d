package plans

// ShortID abbreviates a content id for messages (the full id is in the
// JSON and the state).
func ShortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
