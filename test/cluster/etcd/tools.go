//go:build tools

// Package etcd pins the etcd that the integration tests' kube-apiserver stores into.
package etcd

import _ "go.etcd.io/etcd/server/v3"
