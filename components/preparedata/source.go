package preparedata

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/sdk/redact"
)

// Formats accepted in Config.Format.
const (
	FormatCSV     = "csv"
	FormatJSON    = "json"
	FormatNDJSON  = "ndjson"
	FormatParquet = "parquet"
)

// source is an opened dataset: either a stream (csv, json, ndjson) or a
// local file (parquet, which needs random access).
type source struct {
	uri    string // redacted, for messages
	format string
	gz     bool

	raw    io.ReadCloser // undecoded bytes as fetched
	hasher hash.Hash
	stream *bufio.Reader // decompressed stream for csv/json/ndjson

	file    *os.File // parquet
	size    int64
	tmpPath string
}

// sha256 returns the hex SHA-256 of the fetched bytes (compressed, as
// stored at the URI), reading any rest of the stream first.
func (s *source) sha256() (string, error) {
	if s.file == nil {
		if _, err := io.Copy(io.Discard, s.raw); err != nil {
			return "", fmt.Errorf("read the rest of %s: %w", s.uri, err)
		}
	}
	return hex.EncodeToString(s.hasher.Sum(nil)), nil
}

func (s *source) Close() error {
	if s.raw != nil {
		s.raw.Close()
	}
	if s.file != nil {
		s.file.Close()
	}
	if s.tmpPath != "" {
		os.Remove(s.tmpPath)
	}
	return nil
}

type hashingReadCloser struct {
	r io.Reader
	c io.Closer
}

func (h hashingReadCloser) Read(p []byte) (int, error) { return h.r.Read(p) }
func (h hashingReadCloser) Close() error               { return h.c.Close() }

// detectFormat derives the format from the URI path.
func detectFormat(p string) (format string, gz bool) {
	p = strings.ToLower(p)
	if strings.HasSuffix(p, ".gz") {
		gz = true
		p = strings.TrimSuffix(p, ".gz")
	}
	switch path.Ext(p) {
	case ".csv":
		return FormatCSV, gz
	case ".json":
		return FormatJSON, gz
	case ".ndjson", ".jsonl":
		return FormatNDJSON, gz
	case ".parquet":
		return FormatParquet, gz
	}
	return "", gz
}

// openSource fetches the dataset at cfg.Source.
func openSource(ctx context.Context, cfg Config) (*source, error) {
	u, err := url.Parse(cfg.Source)
	if err != nil || (u.Scheme != "" && len(u.Scheme) == 1) { // Windows drive letters are paths
		u = &url.URL{Path: cfg.Source}
	}
	s := &source{uri: fs.Redact(cfg.Source), hasher: sha256.New()}
	format, gz := detectFormat(u.Path)
	if cfg.Format != "" {
		format = strings.ToLower(cfg.Format)
		switch format {
		case FormatCSV, FormatJSON, FormatNDJSON, FormatParquet:
		default:
			return nil, fmt.Errorf("format %q is not one of csv, json, ndjson, parquet", cfg.Format)
		}
	}
	if format == "" {
		return nil, fmt.Errorf("cannot tell the format of %s from its extension: name it .csv, .json, .ndjson, .parquet (optionally .gz) or set format", s.uri)
	}
	s.format, s.gz = format, gz

	var raw io.ReadCloser
	switch u.Scheme {
	case "", "file":
		p := u.Path
		if u.Scheme == "file" && u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("file URI %s names host %q: use file:///absolute/path", s.uri, u.Host)
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("open dataset %s: %w", s.uri, err)
		}
		if st, err := f.Stat(); err == nil && st.IsDir() {
			f.Close()
			return nil, fmt.Errorf("open dataset %s: is a directory, not a file", s.uri)
		}
		raw = f
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Source, nil)
		if err != nil {
			return nil, fmt.Errorf("fetch dataset %s: %w", s.uri, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetch dataset %s: %w", s.uri, redact.Error(err, redact.Passwords(cfg.Source)...))
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("fetch dataset %s: HTTP status %s", s.uri, resp.Status)
		}
		raw = resp.Body
	case "s3":
		obj, err := openS3(ctx, cfg.S3, u)
		if err != nil {
			return nil, fmt.Errorf("fetch dataset %s: %w", s.uri, err)
		}
		raw = obj
	default:
		return nil, fmt.Errorf("dataset URI %s: scheme %q is not supported: use a path, file://, http(s):// or s3://", s.uri, u.Scheme)
	}
	s.raw = hashingReadCloser{r: io.TeeReader(raw, s.hasher), c: raw}

	// Decompress: by extension, or by the gzip magic number.
	br := bufio.NewReaderSize(s.raw, 1<<20)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		s.gz = true
	} else if s.gz {
		s.Close()
		return nil, fmt.Errorf("dataset %s: name ends in .gz but the content is not gzip", s.uri)
	}
	var dec io.Reader = br
	if s.gz {
		zr, err := gzip.NewReader(br)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("dataset %s: gzip: %w", s.uri, err)
		}
		dec = zr
	}
	if s.format != FormatParquet {
		s.stream = bufio.NewReaderSize(dec, 1<<20)
		return s, nil
	}
	// Parquet needs random access: use the file itself when it is a plain
	// local file, else copy the (decompressed) bytes to a temporary file.
	if f, ok := raw.(*os.File); ok && !s.gz {
		if _, err := io.Copy(io.Discard, br); err != nil { // hash it
			s.Close()
			return nil, fmt.Errorf("read dataset %s: %w", s.uri, err)
		}
		st, err := f.Stat()
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("read dataset %s: %w", s.uri, err)
		}
		s.file, s.size = f, st.Size()
		s.raw = nil
		return s, nil
	}
	tmp, err := os.CreateTemp("", "kfpgo-dataset-*.parquet")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("dataset %s: temporary copy: %w", s.uri, err)
	}
	s.tmpPath = tmp.Name()
	n, err := io.Copy(tmp, dec)
	if err != nil {
		tmp.Close()
		s.Close()
		return nil, fmt.Errorf("read dataset %s: %w", s.uri, err)
	}
	s.raw.Close()
	s.raw = nil
	s.file, s.size = tmp, n
	return s, nil
}

func openS3(ctx context.Context, c S3Config, u *url.URL) (io.ReadCloser, error) {
	endpoint, secure := c.Endpoint, !c.Insecure
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL_S3")
	}
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	if endpoint == "" {
		endpoint = "s3.amazonaws.com"
	}
	if strings.HasPrefix(endpoint, "http://") {
		secure = false
	}
	endpoint = strings.TrimPrefix(strings.TrimPrefix(endpoint, "https://"), "http://")
	region := c.Region
	if region == "" {
		region = os.Getenv("AWS_REGION")
	}
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{}, &credentials.EnvMinio{}, &credentials.FileAWSCredentials{}, &credentials.IAM{},
	})
	client, err := minio.New(endpoint, &minio.Options{Creds: creds, Secure: secure, Region: region})
	if err != nil {
		return nil, fmt.Errorf("S3 endpoint %q: %w", endpoint, err)
	}
	bucket, key := u.Host, strings.TrimPrefix(u.Path, "/")
	if bucket == "" || key == "" {
		return nil, fmt.Errorf("S3 URI must be s3://bucket/key")
	}
	obj, err := client.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("S3 get s3://%s/%s from %s: %w", bucket, key, endpoint, err)
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, fmt.Errorf("S3 get s3://%s/%s from %s: %w (check the bucket, key, endpoint and AWS_* credentials)", bucket, key, endpoint, err)
	}
	return obj, nil
}
