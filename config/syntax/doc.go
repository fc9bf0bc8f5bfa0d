// Package syntax is the file layer of the configuration language: parsing
// a *.mlf.hcl file as plain HCL (with hints for two common syntax
// errors), the schema of every block (one shape per name: an argument or
// a block), and the check of a body against it, whose diagnostics say
// where a misplaced argument belongs and suggest the closest name. It
// knows nothing of evaluation; config builds on it.
package syntax
