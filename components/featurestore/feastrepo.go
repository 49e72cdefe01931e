package featurestore

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// FeastRepo describes a Feast feature repository that serves what
// materialize-features wrote: [FeastRepo.Files] renders feature_store.yaml
// and features.py. Feast reads it with `feast apply` then `feast serve`
// (or its Go feature server); every name, type and setting here must match
// the Redis layout written, or Feast silently serves nothing.
type FeastRepo struct {
	// Project is the Feast project, the suffix of every Redis key.
	Project string `json:"project"`
	// Views are the feature views written.
	Views []FeastView `json:"feature_views"`
	// Online is the Redis online store.
	Online FeastOnlineStore `json:"online_store"`
	// Offline is the PostgreSQL offline store holding the views' tables.
	Offline FeastOfflineStore `json:"offline_store"`
}

// FeastView is one feature view of a [FeastRepo].
type FeastView struct {
	// Name is the feature view name (part of every Redis field name).
	Name string `json:"name"`
	// Entities are the join keys with their Feast value types ("STRING",
	// "INT64", "INT32", "BYTES", "UNIX_TIMESTAMP": feast.ValueType names).
	Entities []FeastField `json:"entities"`
	// Features are the features with their Feast types ("Int64",
	// "Float64", "String", "Bool", "Int32", "Float32", "Bytes",
	// "UnixTimestamp": feast.types names).
	Features []FeastField `json:"features"`
	// TTL is the feature view ttl; 0 means values never age out (Feast's
	// timedelta(0)).
	TTL time.Duration `json:"ttl"`
	// Table is the offline store table, "table" or "schema.table".
	Table string `json:"table"`
	// TimestampField is the event time column.
	TimestampField string `json:"timestamp_field"`
}

// FeastField is a name and a Feast type name.
type FeastField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// FeastOnlineStore is the online_store section of feature_store.yaml.
type FeastOnlineStore struct {
	// RedisType is "redis" or "redis_cluster".
	RedisType string `json:"redis_type"`
	// Nodes are the host:port addresses (one for "redis").
	Nodes []string `json:"nodes"`
	// DB is the database number ("redis" only).
	DB int `json:"db,omitempty"`
	// SSL turns on TLS.
	SSL bool `json:"ssl,omitempty"`
	// PasswordEnv, when set, names the environment variable Feast reads
	// the password from (feature_store.yaml holds "${NAME}", which Feast
	// expands when it loads the file); the password itself is never written.
	PasswordEnv string `json:"password_env,omitempty"`
	// KeyTTL is Feast's key_ttl_seconds (0: none).
	KeyTTL time.Duration `json:"key_ttl,omitempty"`
}

// FeastOfflineStore is the offline_store section (type postgres).
type FeastOfflineStore struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Database string `json:"database"`
	User     string `json:"user"`
	// Schema is Feast's db_schema. Optional: defaults to "public".
	Schema string `json:"db_schema,omitempty"`
	// SSLMode is libpq's sslmode. Optional: defaults to none written.
	SSLMode string `json:"sslmode,omitempty"`
	// PasswordEnv names the environment variable holding the password, as
	// for the online store.
	PasswordEnv string `json:"password_env,omitempty"`
}

// EnvFeastPostgresPassword is the variable feature_store.yaml names for the
// offline store password when the DSN had one.
const EnvFeastPostgresPassword = "KFPGO_POSTGRES_PASSWORD"

// FeastOnlineStoreOf describes the Redis that c connects to, for a
// [FeastRepo]: type, nodes, db, TLS, and EnvRedisPassword as the password
// variable when c has a password. Passwords are not copied.
//
// Errors: those of parsing c (see [RedisConfig]).
func FeastOnlineStoreOf(c RedisConfig) (FeastOnlineStore, error) {
	c, err := c.resolve()
	if err != nil {
		return FeastOnlineStore{}, err
	}
	e, err := c.parse()
	if err != nil {
		return FeastOnlineStore{}, err
	}
	o := FeastOnlineStore{RedisType: c.Type}
	if e.cluster {
		o.Nodes, o.SSL = e.multi.Addrs, e.multi.TLSConfig != nil
	} else {
		o.Nodes, o.DB, o.SSL = []string{e.single.Addr}, e.single.DB, e.single.TLSConfig != nil
	}
	if e.password() != "" {
		o.PasswordEnv = EnvRedisPassword
	}
	return o, nil
}

// FeastOfflineStoreOf describes the PostgreSQL server of dsn (or
// $KFPGO_POSTGRES_DSN) for a [FeastRepo]; a password in the DSN becomes
// the variable [EnvFeastPostgresPassword].
//
// Errors: a DSN pgx cannot parse (password redacted).
func FeastOfflineStoreOf(dsn string) (FeastOfflineStore, error) {
	if dsn == "" {
		dsn = os.Getenv(EnvPostgresDSN)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return FeastOfflineStore{}, fmt.Errorf("feast repo: parse PostgreSQL DSN %q: %w", Redact(dsn), redactErr(err, nil, dsn))
	}
	o := FeastOfflineStore{Host: cfg.Host, Port: int(cfg.Port), Database: cfg.Database, User: cfg.User}
	if cfg.Password != "" {
		o.PasswordEnv = EnvFeastPostgresPassword
	}
	if cfg.TLSConfig == nil {
		o.SSLMode = "disable"
	}
	return o, nil
}

// FeastFeatureType maps an offline store column type (a [Type] or another
// PostgreSQL type name as [TableColumns] reports it) to the feast.types
// name of the Value kfpgo writes for it: BIGINT Int64, DOUBLE PRECISION
// Float64, TEXT String, BOOLEAN Bool, TIMESTAMPTZ UnixTimestamp (seconds),
// integer and smallint Int32, real Float32, bytea Bytes.
//
// Errors: a type materialize-features does not write.
func FeastFeatureType(t Type) (string, error) {
	switch strings.ToLower(string(t)) {
	case "bigint":
		return "Int64", nil
	case "double precision", "numeric":
		return "Float64", nil
	case "text", "character varying":
		return "String", nil
	case "boolean":
		return "Bool", nil
	case "timestamp with time zone", "timestamptz", "timestamp without time zone":
		return "UnixTimestamp", nil
	case "integer", "smallint":
		return "Int32", nil
	case "real":
		return "Float32", nil
	case "bytea":
		return "Bytes", nil
	}
	return "", fmt.Errorf("column type %q has no Feast type: cast it to bigint, double precision, text, boolean or timestamptz", t)
}

// FeastEntityType maps an entity column type to the feast.ValueType name
// of its serialized key: TEXT STRING, BIGINT INT64, integer/smallint INT32.
//
// Errors: another type (Feast entity keys are strings or integers here).
func FeastEntityType(t Type) (string, error) {
	switch strings.ToLower(string(t)) {
	case "text", "character varying":
		return "STRING", nil
	case "bigint":
		return "INT64", nil
	case "integer", "smallint":
		return "INT32", nil
	}
	return "", fmt.Errorf("entity column type %q is not a Feast entity type: use text, bigint or integer", t)
}

var (
	pyIdent     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	feastName   = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	notIdentRun = regexp.MustCompile(`[^A-Za-z0-9_]+`)
)

// pyVar turns a Feast object name into a Python variable name.
func pyVar(name string) string {
	v := notIdentRun.ReplaceAllString(name, "_")
	if !pyIdent.MatchString(v) {
		v = "_" + v
	}
	return v
}

// pyStr quotes s as a Python string literal (JSON's escapes are Python's
// for the characters strconv.Quote produces in ASCII mode).
func pyStr(s string) string { return strconv.QuoteToASCII(s) }

// yamlStr quotes s as a YAML double-quoted scalar.
func yamlStr(s string) string { return strconv.QuoteToASCII(s) }

// Validate reports a project name Feast refuses (letters, digits and
// underscores only), no views, a view without name, entities or features,
// or an online store without type or nodes.
func (r FeastRepo) Validate() error {
	if !feastName.MatchString(r.Project) {
		return fmt.Errorf("feast repo: project %q must be letters, digits and underscores (Feast's project name rule)", r.Project)
	}
	if len(r.Views) == 0 {
		return fmt.Errorf("feast repo: no feature views")
	}
	if r.Online.RedisType != RedisTypeStandalone && r.Online.RedisType != RedisTypeCluster {
		return fmt.Errorf("feast repo: online store redis_type %q is not %q or %q", r.Online.RedisType, RedisTypeStandalone, RedisTypeCluster)
	}
	if len(r.Online.Nodes) == 0 {
		return fmt.Errorf("feast repo: online store has no nodes")
	}
	for _, v := range r.Views {
		if v.Name == "" {
			return fmt.Errorf("feast repo: a feature view has no name")
		}
		if len(v.Entities) == 0 || len(v.Features) == 0 {
			return fmt.Errorf("feast repo: feature view %q needs entities and features", v.Name)
		}
	}
	return nil
}

// Files renders the repository: "feature_store.yaml" (project, registry,
// provider local, online_store type redis with redis_type and Feast's
// connection_string, offline_store type postgres, entity_key_serialization_version 3)
// and "features.py" (one Entity per join key, one PostgreSQLSource and one
// FeatureView with typed Fields and ttl per view). Output is deterministic.
//
// Errors: those of [FeastRepo.Validate].
func (r FeastRepo) Files() (map[string][]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var y strings.Builder
	fmt.Fprintf(&y, "# Generated by kfpgo materialize-features: serves what it wrote to Redis.\n")
	fmt.Fprintf(&y, "# Passwords are read from the environment (Feast expands ${VAR} when it loads this file).\n")
	fmt.Fprintf(&y, "project: %s\n", r.Project)
	fmt.Fprintf(&y, "provider: local\nregistry: data/registry.db\n")
	conn := strings.Join(r.Online.Nodes, ",")
	if r.Online.RedisType == RedisTypeStandalone && r.Online.DB != 0 {
		conn += ",db=" + strconv.Itoa(r.Online.DB)
	}
	if r.Online.SSL {
		conn += ",ssl=true"
	}
	if r.Online.PasswordEnv != "" {
		conn += ",password=${" + r.Online.PasswordEnv + "}"
	}
	fmt.Fprintf(&y, "online_store:\n  type: redis\n  redis_type: %s\n  connection_string: %s\n", r.Online.RedisType, yamlStr(conn))
	if r.Online.KeyTTL > 0 {
		fmt.Fprintf(&y, "  key_ttl_seconds: %d\n", int64((r.Online.KeyTTL+time.Second-1)/time.Second))
	}
	o := r.Offline
	fmt.Fprintf(&y, "offline_store:\n  type: postgres\n  host: %s\n  port: %d\n  database: %s\n  db_schema: %s\n  user: %s\n",
		yamlStr(o.Host), o.Port, yamlStr(o.Database), yamlStr(cmpOr(o.Schema, "public")), yamlStr(o.User))
	if o.PasswordEnv != "" {
		fmt.Fprintf(&y, "  password: \"${%s}\"\n", o.PasswordEnv)
	}
	if o.SSLMode != "" {
		fmt.Fprintf(&y, "  sslmode: %s\n", o.SSLMode)
	}
	fmt.Fprintf(&y, "entity_key_serialization_version: 3\n")

	var p strings.Builder
	p.WriteString("# Generated by kfpgo materialize-features: the feature views it wrote to Redis.\n")
	p.WriteString("from datetime import timedelta\n\n")
	p.WriteString("from feast import Entity, FeatureView, Field, ValueType\n")
	p.WriteString("from feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source import PostgreSQLSource\n")
	types := map[string]bool{}
	for _, v := range r.Views {
		for _, f := range v.Features {
			types[f.Type] = true
		}
	}
	tl := make([]string, 0, len(types))
	for t := range types {
		tl = append(tl, t)
	}
	sort.Strings(tl)
	fmt.Fprintf(&p, "from feast.types import %s\n", strings.Join(tl, ", "))
	entities := map[string]string{}
	var names []string
	for _, v := range r.Views {
		for _, e := range v.Entities {
			if t, ok := entities[e.Name]; ok && t != e.Type {
				return nil, fmt.Errorf("feast repo: join key %q has types %s and %s in different views", e.Name, t, e.Type)
			} else if !ok {
				entities[e.Name] = e.Type
				names = append(names, e.Name)
			}
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&p, "\n%s = Entity(name=%s, join_keys=[%s], value_type=ValueType.%s)\n", pyVar(n), pyStr(n), pyStr(n), entities[n])
	}
	for _, v := range r.Views {
		id, err := ParseTableName(v.Table)
		if err != nil {
			return nil, fmt.Errorf("feast repo: feature view %q: %w", v.Name, err)
		}
		fmt.Fprintf(&p, "\n%s_source = PostgreSQLSource(\n    name=%s,\n    query=%s,\n    timestamp_field=%s,\n)\n",
			pyVar(v.Name), pyStr(v.Name+"_source"), pyStr("SELECT * FROM "+id.Sanitize()), pyStr(v.TimestampField))
		ents := make([]string, len(v.Entities))
		for i, e := range v.Entities {
			ents[i] = pyVar(e.Name)
		}
		fmt.Fprintf(&p, "\n%s = FeatureView(\n    name=%s,\n    entities=[%s],\n    ttl=timedelta(seconds=%d),\n    schema=[\n",
			pyVar(v.Name), pyStr(v.Name), strings.Join(ents, ", "), int64(v.TTL/time.Second))
		for _, f := range v.Features {
			fmt.Fprintf(&p, "        Field(name=%s, dtype=%s),\n", pyStr(f.Name), f.Type)
		}
		fmt.Fprintf(&p, "    ],\n    source=%s_source,\n    online=True,\n)\n", pyVar(v.Name))
	}
	return map[string][]byte{"feature_store.yaml": []byte(y.String()), "features.py": []byte(p.String())}, nil
}

// WriteFiles writes [FeastRepo.Files] into dir (created if missing).
//
// Errors: those of Files, or of writing the files.
func (r FeastRepo) WriteFiles(dir string) error {
	files, err := r.Files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("feast repo: %w", err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("feast repo: %w", err)
		}
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
