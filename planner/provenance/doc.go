// Package provenance takes a version's provenance beyond its inputs
// digest when it trains: the environment record (executor, image, lock
// file contents, capture command output; the format is
// internal/provenance) and the model card, stored as objects in the
// model's store, so lineage can show what the environment really was, not
// only its hash. It is apart from planner/model because it is one
// self-contained task of a train with its own limits and redaction.
package provenance
