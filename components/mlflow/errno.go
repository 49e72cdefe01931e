package mlflow

import "syscall"

// syscallENOTEMPTY is what rename(2) returns when the target directory
// exists and is not empty (Linux, macOS).
var syscallENOTEMPTY error = syscall.ENOTEMPTY
