# The churn example: one dataset of customer records, a Go trainer, a retrain
# policy and a gated promotion to `production` that publishes the promoted
# model as plain files. Run it with `make demo` from the repository root, or
# see README.md to drive it by hand.

mlform {
  required_version = ">= 0.1"
  backend "blob" { url = "file://.mlform/state" }
}

variable "min_accuracy" {
  type        = number
  default     = 0.75
  description = "Accuracy floor: a candidate below it is never promoted, and a champion that falls below it on current data is retrained."
  validation {
    condition     = var.min_accuracy > 0 && var.min_accuracy < 1
    error_message = "min_accuracy must be a fraction."
  }
}

storage "default" { url = "file://.mlform/store" }

# The trainer is a tiny Go module; its go.mod pins the language version, so
# it is the environment's fingerprint. go run needs nothing but Go.
environment "trainer" {
  executor = "local"
  files    = ["trainer/go.mod"]
  env      = { GOFLAGS = "-mod=readonly" }
  # Recorded with every version (mlform lineage shows it).
  capture = ["go version"]
}

dataset "churn" {
  source  = "data/churn"
  include = ["**/*.csv"]
  stats { columns = ["tenure", "monthly_charges", "contract"] }
}

model "churn" {
  description = "Logistic regression predicting which customers will cancel (examples/churn/trainer)."
  datasets    = [dataset.churn]
  environment = environment.trainer
  code        = ["trainer/**"]
  train {
    command = ["go", "-C", "trainer", "run", ".", "train"]
    params  = { learning_rate = 0.05, epochs = 30 }
    timeout = "10m"
    # Reported on the trainer's own validation split.
    metrics = ["accuracy", "auc", "logloss", "rows"]
  }
  # Scores a version on given data: promotions score candidate and
  # champion with it on the same snapshots; validate checks the gate's and
  # the trigger's metric names against this list.
  evaluate {
    command = ["go", "-C", "trainer", "run", ".", "evaluate"]
    timeout = "5m"
    metrics = ["accuracy", "auc", "logloss", "rows"]
  }
}

retrain_policy "churn" {
  models    = [model.churn]
  on_change = ["data", "code", "params"]
  metric "accuracy" { below = var.min_accuracy }
  drift {
    method    = "psi"
    threshold = 0.2
  }
}

promotion "churn_production" {
  model = model.churn
  alias = "production"
  gate {
    condition     = candidate.metrics.accuracy >= var.min_accuracy
    error_message = "accuracy below the floor (var.min_accuracy)"
  }
  must_beat { metric = "accuracy" }
  # version = 1   # pin: a rollback is this one reviewed line
  publish { url = "file://.mlform/published" }
}

output "production_version" { value = promotion.churn_production.version }
