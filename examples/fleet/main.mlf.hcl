# A regional fleet: one churn model per region, all of one shape, declared
# once with for_each. Every region has its own dataset, model and gated
# promotion; one retrain policy governs them all. Adding a region to
# var.regions trains only that region; removing one keeps its versions
# recorded. See README.md.

variable "regions" {
  type        = map(object({ min_tenure = number }))
  description = "The regions of the fleet, each with its trainer setting."
  default = {
    eu = { min_tenure = 12 }
    us = { min_tenure = 10 }
  }
}

variable "min_accuracy" {
  type    = number
  default = 0.6
}

# One dataset per region: dataset.customers["eu"], dataset.customers["us"].
dataset "customers" {
  for_each = var.regions
  source   = "data/${each.key}"
  include  = ["*.csv"]
}

# One model per region, trained on its region's dataset by the same
# trainer: model.churn["eu"], model.churn["us"].
model "churn" {
  for_each    = var.regions
  description = "Churn rule for region ${each.key}."
  datasets    = [dataset.customers[each.key]]
  code        = ["trainer/**"]
  train {
    command = ["sh", "trainer/train.sh"]
    params = {
      region     = each.key
      min_tenure = each.value.min_tenure
    }
  }
}

# The shared policy: every region retrains when its data, code or
# params change, at most once an hour.
retrain_policy "fleet" {
  models    = values(model.churn)
  on_change = ["data", "code", "params"]
  cooldown  = "1h"
}

# Each region's production alias moves only past the same floor.
promotion "production" {
  for_each = model.churn
  model    = each.value
  alias    = "production"
  gate {
    condition     = candidate.metrics.accuracy >= var.min_accuracy
    error_message = "accuracy below the fleet's floor"
  }
}

output "production_versions" {
  description = "The production version of each region."
  for_each    = promotion.production
  value       = each.value.version
}
