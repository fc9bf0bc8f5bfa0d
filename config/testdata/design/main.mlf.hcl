mlform {
  required_version = ">= 0.1"
  backend "blob" { url = "file://.mlform/state" }   # any gocloud.dev blob URL: s3://, gs://, azblob://, mem://
}

variable "min_accuracy" {
  type    = number
  default = 0.85
  validation {
    condition     = var.min_accuracy > 0 && var.min_accuracy < 1
    error_message = "min_accuracy must be a fraction."
  }
}

storage "default" { url = "file://.mlform/store" }  # content-addressed artifact store

environment "trainer" {
  executor = "local"                           # later: kubernetes, slurm, ...
  files    = ["trainer/go.sum"]                # lock files: their content is fingerprinted
  env      = { GOFLAGS = "-mod=readonly" }
}

dataset "churn" {
  source  = "data/churn"                       # a path, or a blob URL prefix
  include = ["**/*.csv"]
  stats { columns = ["tenure", "monthly_charges", "contract"] }  # profiled for drift
}

model "churn" {
  datasets    = [dataset.churn]
  environment = environment.trainer
  code        = ["trainer/**"]
  train {
    command = ["./bin/churn-trainer", "train"]
    params  = { learning_rate = 0.05, epochs = 30 }
    timeout = "30m"
  }
  evaluate {
    command = ["./bin/churn-trainer", "evaluate"]
  }
}

retrain_policy "churn" {
  models    = [model.churn]
  on_change = ["data", "code", "params", "environment"]   # trigger-based on inputs
  schedule  = "0 3 * * 1"                                   # and/or time-based (cron or every = "168h")
  cooldown  = "6h"
  metric "accuracy" { below = var.min_accuracy }            # trigger on degradation
  drift {                                                   # trigger on data drift
    method    = "psi"
    threshold = 0.2
  }
}

promotion "churn_production" {
  model = model.churn
  alias = "production"
  gate {
    condition     = candidate.metrics.accuracy >= var.min_accuracy
    error_message = "accuracy below the floor"
  }
  must_beat { metric = "accuracy" } # challenger must beat the champion on this metric
  # version = 4                     # pin: rollback is a one-line reviewed change
}

output "production_version" { value = promotion.churn_production.version }
