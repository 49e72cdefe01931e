package preparedata

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
)

// record is one source row aligned with rowReader.columns(); vals are
// string (CSV), nil/string/json.Number/bool (JSON; nested values as JSON
// text) or typed Go values (Parquet). bad is non-empty for a malformed row.
type record struct {
	n    int64
	vals []any
	bad  string
}

type rowReader interface {
	columns() []string
	// types returns the declared column types (Parquet), or nil.
	types() []fs.Type
	// next returns io.EOF at the end; other errors are fatal.
	next() (record, error)
}

// ---- CSV ----

type csvReader struct {
	r    *csv.Reader
	cols []string
	n    int64
}

func newCSVReader(r io.Reader) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("CSV has no header row: the first row must name the columns")
	}
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	return &csvReader{r: cr, cols: append([]string(nil), head...)}, nil
}

func (c *csvReader) columns() []string { return c.cols }
func (c *csvReader) types() []fs.Type  { return nil }

func (c *csvReader) next() (record, error) {
	rec, err := c.r.Read()
	c.n++
	if err == io.EOF {
		return record{}, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) && !errors.Is(pe.Err, csv.ErrFieldCount) {
			return record{n: c.n, bad: "malformed"}, nil
		}
		return record{}, fmt.Errorf("CSV row %d: %w", c.n, err)
	}
	if len(rec) != len(c.cols) {
		return record{n: c.n, bad: "wrong_field_count"}, nil
	}
	vals := make([]any, len(rec))
	for i, s := range rec {
		if !utf8.ValidString(s) {
			// PostgreSQL's COPY would refuse the whole load naming no
			// row; drop this one, named, as other malformed rows are.
			return record{n: c.n, bad: "invalid_utf8:" + c.cols[i]}, nil
		}
		if s != "" {
			vals[i] = csvText(s)
		}
	}
	return record{n: c.n, vals: vals}, nil
}

// ---- JSON array and NDJSON ----

type kv struct {
	keys []string
	vals []any
}

type jsonReader struct {
	dec     *json.Decoder
	array   bool
	cols    []string
	index   map[string]int
	buf     []kv
	n       int64
	extra   map[string]bool
	done    bool
	pending []kv
	read    int64 // objects started, counting those sampled ahead of next
}

// newJSONReader reads a JSON array of objects (array) or a stream of
// objects (NDJSON), looking at the first sample objects to find the
// columns (union of keys, in first-seen order).
func newJSONReader(r *bufio.Reader, array bool, sample int) (*jsonReader, error) {
	j := &jsonReader{dec: json.NewDecoder(r), array: array, index: map[string]int{}, extra: map[string]bool{}}
	j.dec.UseNumber()
	if array {
		tok, err := j.dec.Token()
		if err != nil {
			return nil, fmt.Errorf("JSON: %w", err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return nil, fmt.Errorf("JSON: want an array of objects, found %v", tok)
		}
	}
	for len(j.pending) < sample {
		o, err := j.object()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		j.pending = append(j.pending, o)
		for _, k := range o.keys {
			if _, ok := j.index[k]; !ok {
				j.index[k] = len(j.cols)
				j.cols = append(j.cols, k)
			}
		}
	}
	return j, nil
}

// rowErr explains a decoding error in row n (1-based, counting every
// object read, including those sampled for the columns), with the byte
// offset the decoder reached; a file that ends early says so.
func (j *jsonReader) rowErr(n int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("JSON row %d: the data ends inside the row at byte %d (a truncated file?): %w", n, j.dec.InputOffset(), io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("JSON row %d (near byte %d): %w", n, j.dec.InputOffset(), err)
}

// object reads the next object keeping key order.
func (j *jsonReader) object() (kv, error) {
	if j.done {
		return kv{}, io.EOF
	}
	if j.array && !j.dec.More() {
		j.done = true
		if _, err := j.dec.Token(); err != nil {
			return kv{}, j.rowErr(j.read+1, err)
		}
		return kv{}, io.EOF
	}
	tok, err := j.dec.Token()
	if err == io.EOF && !j.array {
		j.done = true
		return kv{}, io.EOF
	}
	if err != nil {
		return kv{}, j.rowErr(j.read+1, err)
	}
	j.read++
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return kv{}, fmt.Errorf("JSON row %d: want an object, found %v", j.read, tok)
	}
	var o kv
	for j.dec.More() {
		kt, err := j.dec.Token()
		if err != nil {
			return kv{}, j.rowErr(j.read, err)
		}
		var v any
		if err := j.dec.Decode(&v); err != nil {
			return kv{}, j.rowErr(j.read, err)
		}
		switch v.(type) {
		case map[string]any, []any:
			b, _ := json.Marshal(v)
			v = string(b)
		}
		o.keys = append(o.keys, kt.(string))
		o.vals = append(o.vals, v)
	}
	if _, err := j.dec.Token(); err != nil {
		return kv{}, j.rowErr(j.read, err)
	}
	return o, nil
}

func (j *jsonReader) columns() []string { return j.cols }
func (j *jsonReader) types() []fs.Type  { return nil }

func (j *jsonReader) next() (record, error) {
	var o kv
	if len(j.pending) > 0 {
		o, j.pending = j.pending[0], j.pending[1:]
	} else {
		var err error
		if o, err = j.object(); err != nil {
			return record{}, err
		}
	}
	j.n++
	vals := make([]any, len(j.cols))
	for i, k := range o.keys {
		if c, ok := j.index[k]; ok {
			vals[c] = o.vals[i]
		} else {
			j.extra[k] = true
		}
	}
	return record{n: j.n, vals: vals}, nil
}

// ---- Parquet ----

type parquetReader struct {
	r     *parquet.Reader
	cols  []string
	typ   []fs.Type
	conv  []func(parquet.Value) any
	buf   []parquet.Row
	i, k  int
	n     int64
	total int64
}

func newParquetReader(s *source) (*parquetReader, error) {
	f, err := parquet.OpenFile(s.file, s.size)
	if err != nil {
		return nil, fmt.Errorf("not a readable Parquet file: %w", err)
	}
	p := &parquetReader{r: parquet.NewReader(f), buf: make([]parquet.Row, 1024), total: f.NumRows()}
	for _, fld := range f.Schema().Fields() {
		if !fld.Leaf() || fld.Repeated() {
			return nil, fmt.Errorf("Parquet column %q is nested or repeated: only flat schemas are supported", fld.Name())
		}
		t, conv, err := parquetColumn(fld)
		if err != nil {
			return nil, err
		}
		p.cols = append(p.cols, fld.Name())
		p.typ = append(p.typ, t)
		p.conv = append(p.conv, conv)
	}
	return p, nil
}

func parquetColumn(fld parquet.Field) (fs.Type, func(parquet.Value) any, error) {
	lt := fld.Type().LogicalType()
	switch fld.Type().Kind() {
	case parquet.Boolean:
		return fs.TypeBool, func(v parquet.Value) any { return v.Boolean() }, nil
	case parquet.Int32:
		if lt != nil {
			if _, ok := lt.Value.(*format.DateType); ok {
				return fs.TypeTimestamp, func(v parquet.Value) any { return time.Unix(int64(v.Int32())*86400, 0).UTC() }, nil
			}
		}
		return fs.TypeInt64, func(v parquet.Value) any { return int64(v.Int32()) }, nil
	case parquet.Int64:
		if lt != nil {
			if ts, ok := lt.Value.(*format.TimestampType); ok && ts.Unit.Value != nil {
				unit := int64(ts.Unit.Value.Duration())
				return fs.TypeTimestamp, func(v parquet.Value) any { return time.Unix(0, v.Int64()*unit).UTC() }, nil
			}
		}
		return fs.TypeInt64, func(v parquet.Value) any { return v.Int64() }, nil
	case parquet.Int96:
		// Legacy Impala/Spark timestamps: nanoseconds of the day (8 bytes
		// LE) then the Julian day number (4 bytes LE).
		return fs.TypeTimestamp, func(v parquet.Value) any {
			i := v.Int96()
			nanos := int64(i[0]) | int64(i[1])<<32
			days := int64(i[2]) - 2440588
			return time.Unix(days*86400, nanos).UTC()
		}, nil
	case parquet.Float:
		return fs.TypeFloat64, func(v parquet.Value) any { return float64(v.Float()) }, nil
	case parquet.Double:
		return fs.TypeFloat64, func(v parquet.Value) any { return v.Double() }, nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return fs.TypeString, func(v parquet.Value) any { return string(v.ByteArray()) }, nil
	}
	return "", nil, fmt.Errorf("Parquet column %q has unsupported type %v", fld.Name(), fld.Type())
}

func (p *parquetReader) columns() []string { return p.cols }
func (p *parquetReader) types() []fs.Type  { return p.typ }

func (p *parquetReader) next() (record, error) {
	if p.i == p.k {
		n, err := p.r.ReadRows(p.buf)
		if n == 0 {
			if err == nil || err == io.EOF {
				return record{}, io.EOF
			}
			return record{}, fmt.Errorf("Parquet row %d: %w", p.n+1, err)
		}
		p.i, p.k = 0, n
	}
	row := p.buf[p.i]
	p.i++
	p.n++
	vals := make([]any, len(p.cols))
	for _, v := range row {
		c := v.Column()
		if c >= 0 && c < len(vals) && !v.IsNull() {
			vals[c] = p.conv[c](v)
		}
	}
	return record{n: p.n, vals: vals}, nil
}
