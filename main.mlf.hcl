moved {
  from = module.region
  to = module.regions
}
