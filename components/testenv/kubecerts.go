package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// kubePKI is the throw-away PKI of a test control plane: one CA signs the
// serving certificates (kube-apiserver, KWOK's kubelet endpoint) and the
// admin client certificate (group system:masters); a separate key signs
// service-account tokens.
type kubePKI struct {
	dir                      string
	caCert, caKey            string
	serverCert, serverKey    string
	adminCert, adminKey      string
	saKey, saPub             string
	caPEM, adminPEM, adminKP []byte
}

func writePEM(path, typ string, der []byte) ([]byte, error) {
	b := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	return b, os.WriteFile(path, b, 0o600)
}

func newKey() (*ecdsa.PrivateKey, []byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalECPrivateKey(k)
	return k, der, err
}

// newKubePKI writes the CA, the serving and admin certificates and the
// service-account key pair into dir (valid for 24 hours, from an hour ago).
func newKubePKI(dir string) (*kubePKI, error) {
	p := &kubePKI{dir: dir}
	path := func(n string) string { return filepath.Join(dir, n) }
	p.caCert, p.caKey = path("ca.crt"), path("ca.key")
	p.serverCert, p.serverKey = path("server.crt"), path("server.key")
	p.adminCert, p.adminKey = path("admin.crt"), path("admin.key")
	p.saKey, p.saPub = path("sa.key"), path("sa.pub")

	now := time.Now()
	caKey, caDER, err := newKey()
	if err != nil {
		return nil, err
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kfpgo-test-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true,
	}
	caCertDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	if p.caPEM, err = writePEM(p.caCert, "CERTIFICATE", caCertDER); err != nil {
		return nil, err
	}
	if _, err := writePEM(p.caKey, "EC PRIVATE KEY", caDER); err != nil {
		return nil, err
	}
	ca, _ = x509.ParseCertificate(caCertDER)
	leaf := func(serial int64, subject pkix.Name, usage x509.ExtKeyUsage, certPath, keyPath string, ips []net.IP, dns []string) ([]byte, []byte, error) {
		k, der, err := newKey()
		if err != nil {
			return nil, nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: subject,
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: ips, DNSNames: dns,
		}
		c, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			return nil, nil, fmt.Errorf("create certificate %s: %w", subject.CommonName, err)
		}
		cp, err := writePEM(certPath, "CERTIFICATE", c)
		if err != nil {
			return nil, nil, err
		}
		kp, err := writePEM(keyPath, "EC PRIVATE KEY", der)
		return cp, kp, err
	}
	if _, _, err := leaf(2, pkix.Name{CommonName: "kube-apiserver"}, x509.ExtKeyUsageServerAuth, p.serverCert, p.serverKey,
		[]net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(10, 0, 0, 1)}, []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}); err != nil {
		return nil, err
	}
	if p.adminPEM, p.adminKP, err = leaf(3, pkix.Name{CommonName: "kfpgo-test-admin", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, p.adminCert, p.adminKey, nil, nil); err != nil {
		return nil, err
	}
	saKey, saDER, err := newKey()
	if err != nil {
		return nil, err
	}
	if _, err := writePEM(p.saKey, "EC PRIVATE KEY", saDER); err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	if _, err := writePEM(p.saPub, "PUBLIC KEY", pub); err != nil {
		return nil, err
	}
	return p, nil
}

// ServingCerts returns PEM blocks for a TLS server on loopback: a CA named
// caName and a serving certificate, signed by it, for dnsNames (at least
// one; the first is also its common name) and for 127.0.0.1. The test
// control plane serves the operators' webhooks with it (url clientConfigs
// on 127.0.0.1, so that nothing leaves loopback); other tests serve a
// server of their own with it (redis-server's tls-port).
//
// Both are valid for a year and their keys are RSA in PKCS #1 form: the
// training-operator's certificate rotator
// (github.com/open-policy-agent/cert-controller v0.12.0, pkg/rotator) keeps
// the secret's certificates only while they verify — the CA for caName, the
// server for its service's DNS name — 90 days ahead (otherwise it writes
// its own, which name only the Service's DNS name), and it reads the CA key
// with x509.ParsePKCS1PrivateKey before it writes the CA into the webhooks'
// caBundle.
func ServingCerts(caName string, dnsNames ...string) (caCert, caKey, cert, key []byte, err error) {
	if len(dnsNames) == 0 {
		return nil, nil, nil, nil, errors.New("serving certificate: no DNS name")
	}
	now := time.Now()
	ck, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: caName}, DNSNames: []string{caName},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &ck.PublicKey, ck)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("create CA %s: %w", caName, err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	sk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: dnsNames[0]},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(364 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: dnsNames, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &sk.PublicKey, ck)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("create serving certificate %s: %w", dnsNames[0], err)
	}
	enc := func(typ string, b []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}) }
	return enc("CERTIFICATE", caDER), enc("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(ck)),
		enc("CERTIFICATE", der), enc("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(sk)), nil
}
