#!/bin/sh
# The fleet's one trainer, for every region: a threshold rule on tenure
# ("customers in their first months churn"), fitted on the region's data.
# It reads its dataset from MLFORM_DATASET_CUSTOMERS_DIR, which names the
# region's instance of dataset.customers (docs/training-contract.md), so it
# never needs to know which region it is training.
set -eu
csv="$MLFORM_DATASET_CUSTOMERS_DIR/customers.csv"
min="$MLFORM_PARAM_MIN_TENURE"
awk -F, -v min="$min" -v region="$MLFORM_PARAM_REGION" -v out="$MLFORM_OUTPUT_DIR" '
NR == 1 { next }
{
	n++
	pred = ($1 < min) ? 1 : 0
	if (pred == $3) ok++
	churned += $3
}
END {
	if (n == 0) { print "no rows in " region > "/dev/stderr"; exit 1 }
	printf "region %s: %d customers, churn rate %.3f, accuracy %.3f\n", region, n, churned / n, ok / n
	printf "{\"region\": \"%s\", \"min_tenure\": %d}\n", region, min > out "/model.json"
	printf "{\"accuracy\": %.4f, \"churn_rate\": %.4f, \"rows\": %d}\n", ok / n, churned / n, n > out "/metrics.json"
}' "$csv"
