// Package secretcorpus holds no code: its test is the planted-secret
// corpus. It builds the real binaries (kfpgo, prepare-data,
// materialize-features, register-model), plants a password, a token and a
// user:pass@ in every connection setting and environment variable they
// read, drives each failure path it can reach against real PostgreSQL and
// Redis servers and loopback HTTP servers (unparseable settings, refused
// connections, refused credentials, 401/403 answers that echo the
// Authorization header, 5xx answers, untrusted TLS certificates) and fails
// when any line of their stdout or stderr holds a planted secret.
package secretcorpus
