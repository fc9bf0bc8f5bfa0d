#!/bin/sh
# The mlform steps of the CI recipes in docs/ci.md. The GitHub Actions
# workflows (github/) and the GitLab pipeline (gitlab/) call this script, and
# mlform's own tests run it (testdata/script/cloud_ci_recipe_s3.txtar), so
# what the recipes run is what is tested.
#
#   mlform-ci.sh plan       pull request: plan, save the plan file (tfplan),
#                           write the comment (plan.md) and the report site
#                           (mlform-report/); exit 0 also when there are changes
#   mlform-ci.sh apply      after merge: apply exactly the saved plan tfplan
#                           (refused if the state or configuration moved since)
#   mlform-ci.sh comment MAX  pull request: comment.md, plan.md cut to at most
#                           MAX bytes for the comment (a large fleet's plan
#                           can be longer than a comment may be)
#   mlform-ci.sh scheduled  cron: plan and apply what is due now (schedules,
#                           drift, new data): schedules fire only when
#                           something runs apply; then the report site
#                           (mlform-report/), also when apply failed
#
# Environment: MLFORM (the mlform binary, default "mlform"); the cloud
# credentials of the state backend and store (AWS_* for S3); MLFORM_VAR_*
# for variables. The plan file carries the non-sensitive -var values, so
# the apply job needs only the sensitive ones again (docs/language.md).
# MLFORM_LOCK_TIMEOUT is how long apply waits for another apply's state
# lock (default 10m): the CI concurrency group serialises the jobs of one
# pipeline, the lock every other writer.
set -eu
mlform=${MLFORM:-mlform}
lock_timeout=${MLFORM_LOCK_TIMEOUT:-10m}

case ${1:-} in
plan)
	"$mlform" init
	# -detailed-exitcode: 0 no changes, 2 changes, 1 error (fail the job).
	code=0
	"$mlform" plan -lock-timeout="$lock_timeout" -out=tfplan -format=markdown -detailed-exitcode >plan.md || code=$?
	if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then
		cat plan.md
		exit "$code"
	fi
	"$mlform" report -out=mlform-report -plan=tfplan
	cat plan.md
	;;
comment)
	max=${2:?usage: mlform-ci.sh comment MAX_BYTES}
	note='_The plan is too long for a comment and is cut here: the whole of it is plan.md in the artifacts._'
	# MAX is a plain number of bytes ("64k" or "65,536" would otherwise
	# make a comment of the note alone), with room for the note and the
	# closing lines.
	case $max in
	'' | *[!0-9]*)
		echo "mlform-ci.sh comment: MAX_BYTES must be a number of bytes, like 60000; got $max" >&2
		exit 2
		;;
	esac
	if [ "$max" -lt $((${#note} + 34)) ]; then
		echo "mlform-ci.sh comment: MAX_BYTES $max is too small for the note that says the plan is cut ($((${#note} + 34)) bytes at least)" >&2
		exit 2
	fi
	if [ ! -f plan.md ]; then
		echo "mlform-ci.sh comment: no plan.md here: run mlform-ci.sh plan first" >&2
		exit 1
	fi
	if [ "$(wc -c <plan.md)" -le "$max" ]; then
		cp plan.md comment.md
		exit 0
	fi
	# Too long: say so first (a note at the end would land inside the
	# folded full plan), then whole lines up to the last one outside a
	# mermaid chart (half a chart does not render), then close the code
	# block and the <details> of the full plan if they are open there.
	LC_ALL=C awk -v max="$max" -v note="$note" '
	BEGIN { room = max - length(note) - 2 - 32 } # 32: what END closes
	{
		used += length($0) + 1
		if (used > room) exit
		line[NR] = $0
		if ($0 ~ /^```/) fence = fence ? "" : $0
		else if ($0 ~ /^<details>/) details = 1
		else if ($0 ~ /^<\/details>/) details = 0
		if (fence == "" || fence == "```") { keep = NR; keepfence = fence; keepdetails = details }
	}
	END {
		print note; print ""
		for (i = 1; i <= keep; i++) print line[i]
		if (keepfence != "") print "```"
		if (keepdetails) print "\n</details>"
	}' plan.md >comment.md
	;;
apply)
	# A reviewed plan without changes (a pull request that touched nothing
	# mlform sees) has nothing to apply: applying it would only fail as
	# stale once another apply moved the state.
	if "$mlform" show -json tfplan | grep -q '^{[^{]*"changes":false,'; then
		echo "The reviewed plan has no changes: nothing to apply."
		exit 0
	fi
	# No init: it would load the configuration with variables this job
	# does not have (the plan file carries them); apply opens the backend
	# and stores itself.
	"$mlform" apply -lock-timeout="$lock_timeout" tfplan
	;;
scheduled)
	"$mlform" init
	code=0
	"$mlform" apply -lock-timeout="$lock_timeout" -auto-approve || code=$?
	# The report site (mlform-report/), also after a failed apply: it
	# shows the failed attempt. It loads the configuration, so it runs
	# here, with the job's variables.
	if ! "$mlform" report -out=mlform-report && [ "$code" -eq 0 ]; then
		code=1
	fi
	exit "$code"
	;;
*)
	echo "usage: mlform-ci.sh plan|comment MAX|apply|scheduled" >&2
	exit 2
	;;
esac
