package verifierapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/sceau/sceau/verifier"
)

// Form fields of a multipart submission.
const (
	fieldImage      = "image"
	fieldFile       = "file"
	fieldCredential = "credential"
	fieldLang       = "lang"
)

// readSubmission reads what a client submits for verification: a JSON
// body {"credential": "<text>"}, or a multipart form whose file field
// "image" or "file" holds an image or a PDF, or whose field "credential"
// holds a text.
func readSubmission(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, badRequest("Content-Type %q: send application/json or multipart/form-data", r.Header.Get("Content-Type"))
	}
	switch mediaType {
	case "application/json":
		var body struct {
			Credential *string `json:"credential"`
		}
		if err := decodeJSON(w, r, &body); err != nil {
			return nil, err
		}
		if body.Credential == nil || strings.TrimSpace(*body.Credential) == "" {
			return nil, badRequest(`the JSON body has no "credential" text`)
		}
		return []byte(*body.Credential), nil
	case "multipart/form-data":
		form, err := readForm(w, r)
		if err != nil {
			return nil, err
		}
		if len(form.input) == 0 {
			return nil, badRequest(`the form has no file in field "image" or "file", and no text in field "credential"`)
		}
		return form.input, nil
	}
	return nil, &requestError{status: http.StatusUnsupportedMediaType,
		msg: fmt.Sprintf("Content-Type %s: send application/json or multipart/form-data", mediaType)}
}

// decodeJSON reads one JSON value from the body, at most MaxJSONBody bytes.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return badRequest("the body is not the expected JSON: %v", err)
	}
	if dec.More() {
		return badRequest("the body holds more than one JSON value")
	}
	return nil
}

// submittedForm is a multipart submission: the credential (file or text)
// and the page's language choice.
type submittedForm struct {
	input []byte
	lang  string
}

// readForm streams a multipart form, at most MaxUploadBody bytes, keeping
// the first non-empty file of field "image" or "file", else the text of
// field "credential".
func readForm(w http.ResponseWriter, r *http.Request) (*submittedForm, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBody)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badRequest("the multipart form cannot be read: %v", err)
	}
	var form submittedForm
	var file, text []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, formError(err)
		}
		name := part.FormName()
		switch name {
		case fieldImage, fieldFile, fieldCredential, fieldLang:
		default:
			part.Close()
			continue
		}
		// Sized up front from the request's length, so that reading a
		// large upload does not copy it over and over as it grows.
		var buf bytes.Buffer
		if (name == fieldImage || name == fieldFile) && r.ContentLength > 0 {
			buf.Grow(int(min(r.ContentLength, verifier.MaxInputSize+1)))
		}
		_, err = buf.ReadFrom(io.LimitReader(part, verifier.MaxInputSize+1))
		data := buf.Bytes()
		part.Close()
		if err != nil {
			return nil, formError(err)
		}
		if len(data) > verifier.MaxInputSize {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge,
				msg: fmt.Sprintf("field %q: more than the %d bytes allowed", name, verifier.MaxInputSize)}
		}
		switch {
		case name == fieldLang:
			form.lang = string(data)
		case name == fieldCredential:
			if text == nil && len(bytes.TrimSpace(data)) > 0 {
				text = data
			}
		case file == nil && len(data) > 0:
			file = data
		}
	}
	form.input = file
	if form.input == nil {
		form.input = text
	}
	return &form, nil
}

func formError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return badRequest("the multipart form cannot be read: %v", err)
}
