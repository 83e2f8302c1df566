package issuer

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/internal/fsutil"
	"github.com/sceau/sceau/issuer/register"
	"github.com/sceau/sceau/org"
	"github.com/sceau/sceau/schemas"
)

// The resume state of an issuance lives under the issuer's folder, in
// jobs/<id>/, where id is derived from the input's SHA-256 and the type:
// job.json (the options the run started with) and one chunk-NNNNNN.cbor per
// signed chunk, written before the chunk is anchored (CBOR, whose long
// strings are copied rather than escaped as in JSON). A re-run of the same
// input reloads every saved chunk instead of signing it again, and asks the
// ledger whether its batch is already anchored: nothing is issued twice,
// and no anchored digest loses its credential.

// chunk is the persisted resume state of one batch.
type chunk struct {
	No          int      `json:"no"`
	BatchID     string   `json:"batchId"`
	Type        string   `json:"type"`
	Credentials []issued `json:"credentials"`
	// Root is the batch's Merkle root, set once anchored (not persisted:
	// recomputed from the credentials).
	Root string `json:"-"`
	// entries are the chunk's register entries (not persisted: made again
	// from the rows).
	entries []register.Entry
}

// issued is one signed credential of a chunk.
type issued struct {
	Line      int    `json:"line"`
	ID        string `json:"id"`
	StudentID string `json:"studentId"`
	Forms     Forms  `json:"forms"`
}

// matches reports whether the chunk was made from these rows.
func (c *chunk) matches(rows []*schemas.Row) bool {
	if len(c.Credentials) != len(rows) {
		return false
	}
	for i, row := range rows {
		if c.Credentials[i].Line != row.Line || c.Credentials[i].StudentID != row.Record.Holder().StudentID {
			return false
		}
	}
	return true
}

func (c *chunk) leaves() [][]string {
	leaves := make([][]string, len(c.Credentials))
	for i, cr := range c.Credentials {
		leaves[i] = cr.Forms.Digests()
	}
	return leaves
}

func (c *chunk) anchorRequest(issuerID string) (record.AnchorRequest, error) {
	leaves := c.leaves()
	root, err := merkleRoot(leaves)
	if err != nil {
		return record.AnchorRequest{}, err
	}
	return record.AnchorRequest{
		BatchID:     c.BatchID,
		IssuerID:    issuerID,
		Type:        record.CredentialType(c.Type),
		Credentials: leaves,
		Root:        root,
	}, nil
}

// job is the resume state of one input, under the issuer's folder.
type job struct {
	id  string
	dir string
	org string
}

type jobInfo struct {
	InputDigest string `json:"inputDigest"`
	Type        string `json:"type"`
	Chunk       int    `json:"chunk"`
	SkipInvalid bool   `json:"skipInvalid"`
	CreatedAt   string `json:"createdAt"`
}

// openJob opens (or starts) the resume state of inputDigest for issuer p,
// in jobsDir (the issuer's org.Dir.JobsDir).
func openJob(p *org.Profile, jobsDir, inputDigest string, opts IssueOptions) (*job, error) {
	id := jobID(inputDigest, opts)
	j := &job{id: id, dir: filepath.Join(jobsDir, id[:32]), org: p.Org}
	infoPath := filepath.Join(j.dir, "job.json")
	data, err := os.ReadFile(infoPath)
	switch {
	case err == nil:
		var info jobInfo
		if err := json.Unmarshal(data, &info); err != nil {
			return nil, fmt.Errorf("resume state %s: %w", infoPath, err)
		}
		if info.Chunk != opts.Chunk || info.SkipInvalid != opts.SkipInvalid {
			return nil, fmt.Errorf("this input was started with --chunk %d and --skip-invalid=%v: re-run with the same options to resume (state in %s)", info.Chunk, info.SkipInvalid, j.dir)
		}
		return j, nil
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(j.dir, 0o700); err != nil {
			return nil, fmt.Errorf("creating resume state: %w", err)
		}
		info, err := json.MarshalIndent(jobInfo{InputDigest: inputDigest, Type: opts.Type, Chunk: opts.Chunk, SkipInvalid: opts.SkipInvalid, CreatedAt: time.Now().UTC().Format(time.RFC3339)}, "", "  ")
		if err != nil {
			return nil, err
		}
		return j, fsutil.WriteFileAtomic(infoPath, info, 0o600)
	default:
		return nil, fmt.Errorf("reading resume state: %w", err)
	}
}

// jobID is the id of the job of an input: its digest, the type and
// whether it reissues (a --reissue run of a file is a job of its own).
func jobID(inputDigest string, opts IssueOptions) string {
	key := inputDigest + "\x00" + opts.Type
	if opts.Reissue {
		key += "\x00reissue"
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// jobBatches is the prefix of the ids of the batches job id anchors.
func jobBatches(issuerID, id string) string { return issuerID + "-" + id[:16] + "-" }

func (j *job) batchID(issuerID string, no int) string {
	return fmt.Sprintf("%s%04d", jobBatches(issuerID, j.id), no)
}

func (j *job) chunkPath(no int) string {
	return filepath.Join(j.dir, fmt.Sprintf("chunk-%06d.cbor", no))
}

// A chunk file is a CBOR sequence (RFC 8742): a chunkHeader, then one
// issued per credential. It is written and read one credential at a time,
// so encoding a chunk never needs a buffer of its whole size.
type chunkHeader struct {
	No          int    `json:"no"`
	BatchID     string `json:"batchId"`
	Type        string `json:"type"`
	Credentials int    `json:"credentials"`
}

// maxChunkCredentials bounds the credentials a chunk file may declare.
const maxChunkCredentials = 1 << 20

// loadChunk returns the saved chunk no, or nil when there is none.
func (j *job) loadChunk(no int) (*chunk, error) {
	path := j.chunkPath(no)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading resume state: %w", err)
	}
	defer f.Close()
	c, err := readChunk(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return nil, fmt.Errorf("resume state %s is damaged: %w", path, err)
	}
	if c.No != no {
		return nil, fmt.Errorf("resume state %s holds chunk %d, not %d", path, c.No, no)
	}
	return c, nil
}

// readChunk decodes a chunk file.
func readChunk(r io.Reader) (*chunk, error) {
	dec := cbor.NewDecoder(r)
	var h chunkHeader
	if err := dec.Decode(&h); err != nil {
		return nil, err
	}
	if h.Credentials < 0 || h.Credentials > maxChunkCredentials {
		return nil, fmt.Errorf("it declares %d credentials", h.Credentials)
	}
	c := &chunk{No: h.No, BatchID: h.BatchID, Type: h.Type, Credentials: make([]issued, h.Credentials)}
	for i := range c.Credentials {
		if err := dec.Decode(&c.Credentials[i]); err != nil {
			return nil, fmt.Errorf("credential %d of %d: %w", i+1, h.Credentials, err)
		}
	}
	var extra cbor.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after its last credential")
	}
	return c, nil
}

// writeChunk encodes a chunk file.
func writeChunk(w io.Writer, c *chunk) error {
	enc := cbor.NewEncoder(w)
	if err := enc.Encode(chunkHeader{No: c.No, BatchID: c.BatchID, Type: c.Type, Credentials: len(c.Credentials)}); err != nil {
		return err
	}
	for i := range c.Credentials {
		if err := enc.Encode(&c.Credentials[i]); err != nil {
			return err
		}
	}
	return nil
}

// saveChunk persists c durably: written aside, synced, then renamed.
func (j *job) saveChunk(c *chunk) error {
	path := j.chunkPath(c.No)
	tmp, err := os.CreateTemp(j.dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("saving resume state: %w", err)
	}
	bw := bufio.NewWriterSize(tmp, 256<<10)
	err = writeChunk(bw, c)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("saving resume state %s: %w", path, err)
	}
	return fsutil.SyncDir(j.dir)
}
