package cli

import (
	"fmt"
	"strings"
)

// warnTargeting prints, on stderr, Terraform's warning for a plan limited
// by -target: the plan may not show everything the configuration asks
// for, and -target is not for routine use.
func warnTargeting(g *Globals, targets []string) {
	if len(targets) == 0 {
		return
	}
	fmt.Fprintf(g.Stderr, "\nWarning: Resource targeting is in effect\n\n"+
		"This plan is limited by -target to %s and what it depends on, so it may not\n"+
		"show all of the changes the configuration asks for. -target is not for routine\n"+
		"use: it is for exceptional situations such as recovering from a failure or a\n"+
		"mistake. Run mlform plan without -target afterwards to see what is left.\n\n", strings.Join(targets, ", "))
}

// warnTargetedApply prints, on stderr after an apply of a targeted plan,
// Terraform's reminder that what was applied may be incomplete.
func warnTargetedApply(g *Globals, targets []string) {
	if len(targets) == 0 {
		return
	}
	fmt.Fprint(g.Stderr, "\nWarning: Applied changes may be incomplete\n\n"+
		"The plan was limited by -target, so what was applied may not be everything the\n"+
		"configuration asks for. Run mlform plan to see whether other changes are pending.\n\n")
}
