package contractenv

import "testing"

func TestNames(t *testing.T) {
	for _, tc := range []struct{ in, name, dataset, param string }{
		{"churn", "CHURN", "MLFORM_DATASET_CHURN_DIR", "MLFORM_PARAM_CHURN"},
		{"churn-2024.v1", "CHURN_2024_V1", "MLFORM_DATASET_CHURN_2024_V1_DIR", "MLFORM_PARAM_CHURN_2024_V1"},
		{"learning_rate", "LEARNING_RATE", "MLFORM_DATASET_LEARNING_RATE_DIR", "MLFORM_PARAM_LEARNING_RATE"},
		{"é", "__", "MLFORM_DATASET____DIR", "MLFORM_PARAM___"},
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
