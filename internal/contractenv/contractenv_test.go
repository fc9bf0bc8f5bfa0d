package contractenv

import "testing"

func TestNames(t *testing.T) {
	for _, tc := range []struct{ in, name, dataset, param string }{
		{"churn", "CHURN", "MLFORM_DATASET_CHURN_DIR", "MLFORM_PARAM_CHURN"},
		{"churn-2024.v1", "CHURN_2024_V1", "MLFORM_DATASET_CHURN_2024_V1_DIR", "MLFORM_PARAM_CHURN_2024_V1"},
		{"learning_rate", "LEARNING_RATE", "MLFORM_DATASET_LEARNING_RATE_DIR", "MLFORM_PARAM_LEARNING_RATE"},
		{"é", "__", "MLFORM_DATASET____DIR", "MLFORM_PARAM___"},
		{`sales["eu-west"]`, "SALES__EU_WEST__", "MLFORM_DATASET_SALES_EU_WEST_DIR", "MLFORM_PARAM_SALES__EU_WEST__"},
		{"sales[3]", "SALES_3_", "MLFORM_DATASET_SALES_3_DIR", "MLFORM_PARAM_SALES_3_"},
	} {
		if got := Name(tc.in); got != tc.name {
			t.Errorf("Name(%q) = %q, want %q", tc.in, got, tc.name)
		}
		if got := Dataset(tc.in); got != tc.dataset {
			t.Errorf("Dataset(%q) = %q, want %q", tc.in, got, tc.dataset)
		}
		if got := Param(tc.in); got != tc.param {
			t.Errorf("Param(%q) = %q, want %q", tc.in, got, tc.param)
		}
	}
}

func TestBlockAliases(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  map[string]string
	}{
		{[]string{"plain"}, map[string]string{}},
		{[]string{`sales["eu"]`, "plain"}, map[string]string{"MLFORM_DATASET_SALES_DIR": `sales["eu"]`}},
		{[]string{`sales["eu"]`, `sales["us"]`}, map[string]string{}},
		{[]string{`sales["eu"]`, "costs[0]"}, map[string]string{"MLFORM_DATASET_SALES_DIR": `sales["eu"]`, "MLFORM_DATASET_COSTS_DIR": "costs[0]"}},
	} {
		got := BlockAliases(tc.names)
		if len(got) != len(tc.want) {
			t.Errorf("BlockAliases(%q) = %v, want %v", tc.names, got, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("BlockAliases(%q)[%s] = %q, want %q", tc.names, k, got[k], v)
			}
		}
	}
}
