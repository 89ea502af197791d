//go:build tools

// Package apiserver pins the kube-apiserver that the integration tests run:
// a real API server built from the k8s.io/kubernetes module.
package apiserver

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
