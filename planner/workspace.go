package planner

import "time"

// Workspace is one working directory's configuration, stores and clock as
// planning and apply see them.
type Workspace struct {
	// BaseDir is the working directory relative paths resolve against.
	BaseDir string
	// Now is the injectable clock (-now / MLFORM_NOW); planner logic never
	// calls time.Now.
	Now time.Time
}
