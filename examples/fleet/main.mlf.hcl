# A regional fleet: one churn model per region, all of one shape, declared
# once in a local module (modules/regional) and called with for_each. Every
# region gets its own dataset, model and gated promotion; one retrain
# policy here in the root governs them all. Adding a region to
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

# One instance of the module per region: module.region["eu"],
# module.region["us"], each with dataset.customers, model.churn and
# promotion.production inside.
module "region" {
  source       = "./modules/regional"
  for_each     = var.regions
  region       = each.key
  min_tenure   = each.value.min_tenure
  min_accuracy = var.min_accuracy
}

# The shared policy: every region retrains when its data, code or
# params change, at most once an hour.
retrain_policy "fleet" {
  models    = [for r in module.region : r.model]
  on_change = ["data", "code", "params"]
  cooldown  = "1h"
}

output "models" {
  description = "The model of each region."
  value       = { for k, r in module.region : k => r.model.name }
}
