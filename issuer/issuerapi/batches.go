package issuerapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/issuer"
	"github.com/sceau/sceau/schemas"
)

// POST /v1/batches receives a CSV export as multipart/form-data and hands
// it to the desk (issuer.Desk.ReceiveBatch, StartBatch), which issues it in the
// background; GET /v1/batches/{id} and its sub-routes read what the desk
// says of it (issuer.Desk.Batch). The file is streamed to the batch's
// folder as it arrives, at most MaxUpload bytes; the other form fields are
// small (maxFormField).

// maxFormField bounds the form fields of an upload (all but the file).
const maxFormField = 1 << 10

// batchResponse is what the batch routes answer: the batch's status and,
// once it has succeeded, where its results are.
type batchResponse struct {
	issuer.BatchStatus
	Manifest    string `json:"manifest,omitempty"`
	Rejects     string `json:"rejects,omitempty"`
	Credentials string `json:"credentials,omitempty"`
}

// batchAnswer adds to st the links to its results.
func batchAnswer(st issuer.BatchStatus) batchResponse {
	resp := batchResponse{BatchStatus: st}
	if st.State == issuer.BatchSucceeded {
		resp.Manifest = "/v1/batches/" + st.ID + "/manifest"
		resp.Credentials = "/v1/batches/" + st.ID + "/credentials/{credential}"
		if st.Rejected > 0 {
			resp.Rejects = "/v1/batches/" + st.ID + "/rejects"
		}
	}
	return resp
}

// upload is what POST /v1/batches received.
type upload struct {
	issuer, typ, encoding string
	skipInvalid, reissue  bool
	chunk                 int
	file                  bool
}

func (a *API) postBatch(w http.ResponseWriter, r *http.Request, issuerID string) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		writeError(w, http.StatusUnsupportedMediaType, "upload the CSV as multipart/form-data: a file field \"file\" and a field \"type\"")
		return
	}
	in, err := a.desk.ReceiveBatch(issuerID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	up, err := receiveUpload(w, r, in.InputPath(), a.maxUpload)
	if err == nil {
		err = checkUpload(issuerID, up)
	}
	if err != nil {
		in.Discard()
		a.fail(w, r, err)
		return
	}
	st, err := a.desk.StartBatch(r.Context(), in, issuer.BatchOptions{Type: up.typ, Encoding: up.encoding, SkipInvalid: up.skipInvalid, Chunk: up.chunk, Reissue: up.reissue})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.logger.Info("batch uploaded", "issuer", issuerID, "batch", st.ID, "type", up.typ)
	w.Header().Set("Location", "/v1/batches/"+st.ID)
	writeJSON(w, http.StatusAccepted, batchAnswer(st))
}

// receiveUpload reads the multipart form, streaming the file to path, at
// most maxUpload bytes.
func receiveUpload(w http.ResponseWriter, r *http.Request, path string, maxUpload int64) (*upload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &badRequest{msg: "reading the upload: " + err.Error()}
	}
	up := &upload{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, uploadError(err)
		}
		name := part.FormName()
		if name == "file" {
			if up.file {
				return nil, &badRequest{msg: "the upload has two files: send one CSV per batch"}
			}
			up.file = true
			if err := saveUpload(part, path, maxUpload); err != nil {
				return nil, err
			}
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
		if err != nil {
			return nil, uploadError(err)
		}
		if len(value) > maxFormField {
			return nil, &badRequest{msg: fmt.Sprintf("form field %q is longer than %d bytes", name, maxFormField)}
		}
		v := strings.TrimSpace(string(value))
		switch name {
		case "type":
			up.typ = v
		case "issuer":
			up.issuer = v
		case "encoding":
			up.encoding = v
		case "skip_invalid":
			if up.skipInvalid, err = strconv.ParseBool(v); err != nil {
				return nil, &badRequest{msg: fmt.Sprintf("skip_invalid %q: want true or false", v)}
			}
		case "reissue":
			if up.reissue, err = strconv.ParseBool(v); err != nil {
				return nil, &badRequest{msg: fmt.Sprintf("reissue %q: want true or false", v)}
			}
		case "chunk":
			if up.chunk, err = strconv.Atoi(v); err != nil || up.chunk < 1 {
				return nil, &badRequest{msg: fmt.Sprintf("chunk %q: want a positive number of credentials per anchored batch", v)}
			}
		default:
			return nil, &badRequest{msg: fmt.Sprintf("unknown form field %q (want file, type, and optionally issuer, skip_invalid, reissue, encoding, chunk)", name)}
		}
	}
	if !up.file {
		return nil, &badRequest{msg: "the upload has no file: send the CSV as form field \"file\""}
	}
	return up, nil
}

// saveUpload streams an uploaded file to path, at most max bytes.
func saveUpload(part io.Reader, path string, max int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("storing the upload: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(part, max+1))
	if err == nil && n > max {
		err = &tooLargeUpload{limit: max}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return uploadError(err)
	}
	return nil
}

type tooLargeUpload struct{ limit int64 }

func (e *tooLargeUpload) Error() string {
	return fmt.Sprintf("the file is larger than %d bytes: split it", e.limit)
}

// uploadError classifies an error met while reading an upload.
func uploadError(err error) error {
	var tooLarge *http.MaxBytesError
	var tooLargeFile *tooLargeUpload
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.As(err, &tooLargeFile):
		return &http.MaxBytesError{Limit: tooLargeFile.limit}
	case errors.Is(err, context.Canceled):
		return err
	}
	return &badRequest{msg: "reading the upload: " + err.Error()}
}

// checkUpload refuses an upload whose fields are wrong, before the desk
// is asked to issue it.
func checkUpload(issuerID string, up *upload) error {
	if err := otherIssuer(issuerID, up.issuer); err != nil {
		return err
	}
	if !record.IsCredentialType(up.typ) {
		return &badRequest{msg: fmt.Sprintf("type %q: want %s", up.typ, record.Join(record.CredentialTypes(), " or "))}
	}
	switch strings.ToLower(up.encoding) {
	case "", schemas.EncodingAuto, schemas.EncodingUTF8, schemas.EncodingWindows1252:
	default:
		return &badRequest{msg: fmt.Sprintf("encoding %q: want %s, %s or %s", up.encoding, schemas.EncodingAuto, schemas.EncodingUTF8, schemas.EncodingWindows1252)}
	}
	return nil
}

// batch returns the batch the {id} of the request names.
func (a *API) batch(r *http.Request, issuerID string) (*issuer.Batch, error) {
	id := chi.URLParam(r, "id")
	if issuer.CredentialUUID(id) != id {
		return nil, &badRequest{msg: "a batch id is a lower-case UUID"}
	}
	return a.desk.Batch(issuerID, id)
}

func (a *API) getBatch(w http.ResponseWriter, r *http.Request, issuerID string) {
	b, err := a.batch(r, issuerID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, batchAnswer(b.Status))
}

// batchFile serves one of a succeeded batch's CSV files.
func (a *API) batchFile(f issuer.BatchFile) issuerHandler {
	return func(w http.ResponseWriter, r *http.Request, issuerID string) {
		b, err := a.batch(r, issuerID)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if b.Status.State != issuer.BatchSucceeded {
			writeError(w, http.StatusConflict, fmt.Sprintf("batch %s is %s: its files are ready once it has succeeded", b.Status.ID, b.Status.State))
			return
		}
		file, err := b.Open(f)
		a.serveFile(w, r, file, err, "text/csv; charset=utf-8", fmt.Sprintf("batch %s has no %s", b.Status.ID, f))
	}
}

// batchCredential serves one bundle of a batch.
func (a *API) batchCredential(w http.ResponseWriter, r *http.Request, issuerID string) {
	b, err := a.batch(r, issuerID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	u := issuer.CredentialUUID(chi.URLParam(r, "credential"))
	if u == "" {
		writeError(w, http.StatusBadRequest, "want a credential id: urn:uuid:… or the bare UUID")
		return
	}
	file, err := b.OpenBundle(u)
	a.serveFile(w, r, file, err, "application/json", fmt.Sprintf("batch %s has no credential urn:uuid:%s (yet)", b.Status.ID, u))
}

// serveFile copies an opened file to the response, or answers 404 with
// notFound when openErr says there is no such file.
func (a *API) serveFile(w http.ResponseWriter, r *http.Request, f io.ReadCloser, openErr error, contentType, notFound string) {
	if errors.Is(openErr, os.ErrNotExist) {
		writeError(w, http.StatusNotFound, notFound)
		return
	}
	if openErr != nil {
		a.fail(w, r, openErr)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	// A copy error means the client went away.
	_, _ = io.Copy(w, f)
}
