package testenv

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// TestControlPlaneBinDirMatchesBuildScript: the helper looks for the
// binaries where tools/controlplane/build.sh puts them.
func TestControlPlaneBinDirMatchesBuildScript(t *testing.T) {
	t.Setenv("KFPGO_CONTROLPLANE_DIR", "")
	t.Setenv("KFPGO_CONTROLPLANE_CACHE", t.TempDir())
	got, err := ControlPlaneBinDir()
	require.NoError(t, err)
	out, err := exec.Command("bash", filepath.Join("..", "..", "tools", "controlplane", "build.sh"), "--dir").Output()
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(string(out)), got)
	assert.Contains(t, filepath.Base(got), "k8s-v1.34.1-")
}

// TestStartKubeNotBuilt: without binaries StartKube fails (tests must not
// skip) and says how to build them.
func TestStartKubeNotBuilt(t *testing.T) {
	_, err := StartKube(t.Context(), KubeOptions{BinDir: t.TempDir(), KWOK: true})
	require.ErrorIs(t, err, ErrControlPlaneNotBuilt)
	assert.Contains(t, err.Error(), "etcd not in")
	assert.Contains(t, err.Error(), "make setup")
}

// TestKubePKI: the serving certificate verifies for 127.0.0.1 under the CA
// and the admin certificate is a client certificate in system:masters.
func TestKubePKI(t *testing.T) {
	p, err := newKubePKI(t.TempDir())
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(p.caPEM))
	srv, err := tls.LoadX509KeyPair(p.serverCert, p.serverKey)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(srv.Certificate[0])
	require.NoError(t, err)
	_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "127.0.0.1", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	require.NoError(t, err)
	adm, err := tls.X509KeyPair(p.adminPEM, p.adminKP)
	require.NoError(t, err)
	leaf, err = x509.ParseCertificate(adm.Certificate[0])
	require.NoError(t, err)
	_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	require.NoError(t, err)
	assert.Equal(t, []string{"system:masters"}, leaf.Subject.Organization)
	for _, f := range []string{p.saKey, p.saPub} {
		_, err := os.Stat(f)
		require.NoError(t, err)
	}
}

// TestKWOKStages renders the stage configuration and checks each document
// is a KWOK object with its templates in place.
func TestKWOKStages(t *testing.T) {
	var b strings.Builder
	require.NoError(t, kwokStages.Execute(&b, map[string]any{
		"Outcome": KWOKOutcomeLabel, "FailReplica": KWOKFailReplicaLabel, "ExitCode": KWOKExitCodeLabel,
		"Reason": KWOKReasonLabel, "LogsFile": "/tmp/x.log",
		"Replicas": []kwokReplica{{tfjobReplicaTypeLabel, "worker", tfjobReplicaIndexLabel, 1}, {jobSetReplicatedJobLabel, "node", jobCompletionIndexLabel, 0}},
	}))
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(b.String()), 4096)
	var names []string
	for {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); err != nil {
			break
		}
		assert.Equal(t, "kwok.x-k8s.io/v1alpha1", u.GetAPIVersion())
		names = append(names, u.GetKind()+"/"+u.GetName())
		if u.GetName() == "pod-fail-worker-1" {
			tmpl, _, _ := unstructured.NestedString(u.Object, "spec", "next", "statusTemplate")
			assert.Contains(t, tmpl, `index .metadata.labels "kwok.kfpgo.dev/exit-code"`)
			exprs, _, _ := unstructured.NestedSlice(u.Object, "spec", "selector", "matchExpressions")
			assert.Len(t, exprs, 5)
			assert.Contains(t, exprs, map[string]any{"key": `.metadata.labels["training.kubeflow.org/replica-index"]`, "operator": "In", "values": []any{"1"}})
		}
		if u.GetName() == "pod-fail-node-0" {
			exprs, _, _ := unstructured.NestedSlice(u.Object, "spec", "selector", "matchExpressions")
			assert.Contains(t, exprs, map[string]any{"key": `.metadata.labels["jobset.sigs.k8s.io/replicatedjob-name"]`, "operator": "In", "values": []any{"node"}})
			assert.Contains(t, exprs, map[string]any{"key": `.metadata.labels["batch.kubernetes.io/job-completion-index"]`, "operator": "In", "values": []any{"0"}})
		}
	}
	assert.Equal(t, []string{"Stage/pod-ready", "Stage/pod-succeed", "Stage/pod-fail-worker-1", "Stage/pod-fail-node-0", "Stage/pod-delete", "ClusterLogs/replica-logs"}, names)
}

// TestWebhookCerts: the CA key is in the form the training-operator's
// certificate rotator parses (PKCS #1 RSA; it refuses anything else and
// never marks its webhooks ready), and the serving certificate verifies
// under the CA for 127.0.0.1 and every DNS name.
func TestWebhookCerts(t *testing.T) {
	caPEM, caKeyPEM, certPEM, keyPEM, err := ServingCerts("test-ca", "a.ns.svc", "b.other.svc")
	require.NoError(t, err)
	blk, _ := pem.Decode(caKeyPEM)
	require.NotNil(t, blk)
	assert.Equal(t, "RSA PRIVATE KEY", blk.Type)
	_, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(caPEM))
	kp, err := tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(kp.Certificate[0])
	require.NoError(t, err)
	for _, name := range []string{"127.0.0.1", "a.ns.svc", "b.other.svc"} {
		_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		assert.NoError(t, err, name)
	}
}
