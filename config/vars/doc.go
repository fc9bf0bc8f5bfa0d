// Package vars holds a module's input variables: their declarations
// (type, default, sensitive, nullable), the values given from outside in
// Terraform's precedence (a saved plan, MLFORM_VAR_*, *.mlfvars, -var-file
// and -var), conversion, validation rules, and the redaction of sensitive
// values from diagnostics. A module called by another gets its values
// from the module block's arguments instead (Set.Assign).
package vars
