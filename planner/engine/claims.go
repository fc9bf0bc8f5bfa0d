package engine

// Claim takes key for the caller until it calls release; ok is false when
// another caller in this process holds it. apply's actions run at once
// (-parallelism): a batch job recorded in state by one of them (a running
// evaluation) must not be followed by another as if an earlier apply had
// left it, so each follows only the jobs it claimed.
func (ws *Workspace) Claim(key string) (release func(), ok bool) {
	ws.claimMu.Lock()
	defer ws.claimMu.Unlock()
	if ws.claims[key] {
		return func() {}, false
	}
	if ws.claims == nil {
		ws.claims = map[string]bool{}
	}
	ws.claims[key] = true
	return func() {
		ws.claimMu.Lock()
		defer ws.claimMu.Unlock()
		delete(ws.claims, key)
	}, true
}

// Claimed reports whether a caller in this process holds key.
func (ws *Workspace) Claimed(key string) bool {
	ws.claimMu.Lock()
	defer ws.claimMu.Unlock()
	return ws.claims[key]
}
