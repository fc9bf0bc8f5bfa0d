# One region of the fleet: its dataset, its churn model and the gated
# promotion of its production alias. The root module calls it once per
# region (for_each); the retrain policy stays in the root, shared.

variable "region" {
  type        = string
  description = "The region's code: its data is in data/REGION."
  validation {
    condition     = can(regex("^[a-z]{2}$", var.region))
    error_message = "A region is two lower-case letters, like \"eu\"."
  }
}

variable "min_tenure" {
  type        = number
  description = "The trainer's setting for this region."
}

variable "min_accuracy" {
  type    = number
  default = 0.6
}

# Paths are relative to the workspace, like everything mlform reads.
dataset "customers" {
  source  = "data/${var.region}"
  include = ["*.csv"]
}

# The same trainer for every region: it reads MLFORM_DATASET_CUSTOMERS_DIR.
model "churn" {
  description = "Churn rule for region ${var.region}."
  datasets    = [dataset.customers]
  code        = ["trainer/**"]
  train {
    command = ["sh", "trainer/train.sh"]
    params = {
      region     = var.region
      min_tenure = var.min_tenure
    }
  }
}

# The production alias moves only past the fleet's floor.
promotion "production" {
  model = model.churn
  alias = "production"
  gate {
    condition     = candidate.metrics.accuracy >= var.min_accuracy
    error_message = "accuracy below the fleet's floor"
  }
}

output "model" {
  description = "The region's model, for the root's shared retrain policy."
  value       = model.churn
}
