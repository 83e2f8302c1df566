package certificate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // images extracted from PDFs: DCT
	_ "image/png"  // images extracted from PDFs: Flate and most others
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	_ "golang.org/x/image/tiff" // images extracted from PDFs: CMYK

	"github.com/sceau/sceau/qrcode"
)

// Default limits of ExtractOptions.
const (
	// DefaultMaxPDFBytes is the largest PDF ExtractQR reads: 20 MiB.
	DefaultMaxPDFBytes = 20 << 20
	// DefaultMaxPages is the most pages a PDF may have.
	DefaultMaxPages = 10
	// DefaultMaxImages is the most images a PDF may have, on all its pages.
	DefaultMaxImages = 40
	// DefaultMaxImagePixels is the most pixels one image may have: 4096 ×
	// 4096, enough for a full A4 page scanned at 400 dpi.
	DefaultMaxImagePixels = 4096 * 4096
)

// Errors ExtractQR wraps, for callers to tell them apart with errors.Is.
var (
	// ErrLimit means that a PDF exceeds one of the limits of ExtractOptions.
	ErrLimit = errors.New("PDF exceeds a limit")
	// ErrMalformedPDF means that a PDF cannot be read.
	ErrMalformedPDF = errors.New("malformed PDF")
	// ErrNoQRCode means that no image of a PDF holds a readable QR code.
	ErrNoQRCode = errors.New("no QR code found in the PDF")
)

// ExtractOptions bound the work ExtractQR does on a PDF from outside. A
// zero field takes its default; a negative one is an error.
type ExtractOptions struct {
	// MaxPDFBytes is the largest PDF, in bytes (DefaultMaxPDFBytes).
	MaxPDFBytes int64
	// MaxPages is the most pages the PDF may have (DefaultMaxPages).
	MaxPages int
	// MaxImages is the most images the PDF may have on all its pages
	// (DefaultMaxImages).
	MaxImages int
	// MaxImagePixels is the most pixels, width × height, of any image of
	// the PDF (DefaultMaxImagePixels).
	MaxImagePixels int64
}

// withDefaults returns o with its zero fields set to their defaults.
func (o ExtractOptions) withDefaults() (ExtractOptions, error) {
	if o.MaxPDFBytes < 0 || o.MaxPages < 0 || o.MaxImages < 0 || o.MaxImagePixels < 0 {
		return o, fmt.Errorf("extract options %+v: limits must not be negative", o)
	}
	if o.MaxPDFBytes == 0 {
		o.MaxPDFBytes = DefaultMaxPDFBytes
	}
	if o.MaxPages == 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.MaxImages == 0 {
		o.MaxImages = DefaultMaxImages
	}
	if o.MaxImagePixels == 0 {
		o.MaxImagePixels = DefaultMaxImagePixels
	}
	return o, nil
}

// ExtractQR returns the text of the QR code of a PDF: of the first image,
// in page order and then object order, that holds a readable QR code. It
// does not check what the text says (the verifier does). Before it decodes
// any image, it checks the PDF against every limit of opts, and fails with
// an error wrapping ErrLimit naming the limit; a PDF that cannot be read
// gives an error wrapping ErrMalformedPDF, and one without a QR code an
// error wrapping ErrNoQRCode. ctx is checked between pages and images:
// reading the PDF's structure is not interruptible.
func ExtractQR(ctx context.Context, pdf []byte, opts ExtractOptions) (text string, err error) {
	lim, err := opts.withDefaults()
	if err != nil {
		return "", err
	}
	if int64(len(pdf)) > lim.MaxPDFBytes {
		return "", fmt.Errorf("%w: the PDF has %d bytes, more than %d", ErrLimit, len(pdf), lim.MaxPDFBytes)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	defer recoverReader(&err)

	doc, err := readPDF(pdf, lim)
	if err != nil {
		return "", err
	}
	images, err := listImages(ctx, doc, lim)
	if err != nil {
		return "", err
	}
	var failures []error
	for _, img := range images {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		text, err := decodeImageQR(doc, img)
		if err == nil {
			return text, nil
		}
		failures = append(failures, err)
	}
	if len(images) == 0 {
		return "", fmt.Errorf("%w: it has no images", ErrNoQRCode)
	}
	return "", fmt.Errorf("%w: none of its %d images holds one: %w", ErrNoQRCode, len(images), errors.Join(failures...))
}

// recoverReader turns a panic of the PDF or image readers into an error
// wrapping ErrMalformedPDF: a hostile file must not bring down a verifier.
func recoverReader(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: the PDF reader failed on it: %v", ErrMalformedPDF, r)
	}
}

// readerConfiguration returns the pdfcpu configuration ExtractQR reads
// with: built here rather than by model.NewDefaultConfiguration, which
// reads and writes a configuration directory in the user's home, and with
// pdfcpu's resource limits tightened to lim.
func readerConfiguration(lim ExtractOptions) *model.Configuration {
	limits := model.DefaultResourceLimits()
	limits.MaxStreamBytes = lim.MaxPDFBytes
	limits.MaxImagePixels = lim.MaxImagePixels
	// Four bytes per pixel: the largest image decoded as RGBA.
	limits.MaxImageBytes = 4 * lim.MaxImagePixels
	limits.MaxDecodeBytes = 4 * lim.MaxImagePixels
	return &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Cmd:                       model.EXTRACTIMAGES,
		Offline:                   true,
		Limits:                    limits,
	}
}

// readPDF reads, validates and indexes a PDF, refusing one with more than
// lim.MaxPages pages.
func readPDF(pdf []byte, lim ExtractOptions) (*model.Context, error) {
	doc, err := api.ReadContext(bytes.NewReader(pdf), readerConfiguration(lim))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedPDF, err)
	}
	// The page count the document declares, before the page tree is walked.
	if err := doc.EnsurePageCount(); err != nil {
		return nil, fmt.Errorf("%w: page count: %w", ErrMalformedPDF, err)
	}
	if err := checkPageCount(doc.PageCount, lim.MaxPages); err != nil {
		return nil, err
	}
	if err := api.ValidateContext(doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedPDF, err)
	}
	// The page count validation found in the page tree.
	if err := checkPageCount(doc.PageCount, lim.MaxPages); err != nil {
		return nil, err
	}
	if err := api.OptimizeContext(doc); err != nil {
		return nil, fmt.Errorf("%w: indexing its resources: %w", ErrMalformedPDF, err)
	}
	return doc, nil
}

func checkPageCount(pages, maxPages int) error {
	if pages > maxPages {
		return fmt.Errorf("%w: the PDF has %d pages, more than %d", ErrLimit, pages, maxPages)
	}
	if pages < 1 {
		return fmt.Errorf("%w: the PDF has no pages", ErrMalformedPDF)
	}
	return nil
}

// pdfImage is an image XObject of a page.
type pdfImage struct {
	page, objNr int
	resource    string
}

// listImages returns the images of every page, in page order and then
// object order, after checking their number and sizes against lim.
func listImages(ctx context.Context, doc *model.Context, lim ExtractOptions) ([]pdfImage, error) {
	var images []pdfImage
	for page := 1; page <= doc.PageCount; page++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, objNr := range pdfcpu.ImageObjNrs(doc, page) {
			if len(images) == lim.MaxImages {
				return nil, fmt.Errorf("%w: the PDF has more than %d images", ErrLimit, lim.MaxImages)
			}
			obj := doc.Optimize.ImageObjects[objNr]
			if obj == nil || obj.ImageDict == nil {
				return nil, fmt.Errorf("%w: page %d: image object %d is missing", ErrMalformedPDF, page, objNr)
			}
			width, err := imageDimension(doc, obj.ImageDict, "Width")
			if err != nil {
				return nil, fmt.Errorf("%w: page %d: image object %d: %w", ErrMalformedPDF, page, objNr, err)
			}
			height, err := imageDimension(doc, obj.ImageDict, "Height")
			if err != nil {
				return nil, fmt.Errorf("%w: page %d: image object %d: %w", ErrMalformedPDF, page, objNr, err)
			}
			if pixels := int64(width) * int64(height); pixels > lim.MaxImagePixels {
				return nil, fmt.Errorf("%w: page %d: image object %d has %d × %d pixels, more than %d",
					ErrLimit, page, objNr, width, height, lim.MaxImagePixels)
			}
			images = append(images, pdfImage{page: page, objNr: objNr, resource: obj.ResourceNames[page-1]})
		}
	}
	return images, nil
}

// imageDimension returns the Width or Height (key) of an image, which must
// be a positive integer.
func imageDimension(doc *model.Context, dict *types.StreamDict, key string) (int, error) {
	obj, ok := dict.Find(key)
	if !ok {
		return 0, fmt.Errorf("%s is missing", key)
	}
	n, err := doc.DereferenceInteger(obj)
	if err != nil || n == nil {
		return 0, fmt.Errorf("%s is not an integer", key)
	}
	if n.Value() < 1 {
		return 0, fmt.Errorf("%s %d is not positive", key, n.Value())
	}
	return n.Value(), nil
}

// decodeImageQR decodes one image of the PDF and the QR code it holds.
func decodeImageQR(doc *model.Context, img pdfImage) (string, error) {
	where := fmt.Sprintf("page %d image object %d", img.page, img.objNr)
	extracted, err := pdfcpu.ExtractImage(doc, doc.Optimize.ImageObjects[img.objNr].ImageDict, false, img.resource, img.objNr, false)
	if err != nil {
		return "", fmt.Errorf("%s: %w", where, err)
	}
	if extracted == nil || extracted.Reader == nil {
		return "", fmt.Errorf("%s: the image cannot be extracted", where)
	}
	data, err := io.ReadAll(extracted.Reader)
	if err != nil {
		return "", fmt.Errorf("%s: %w", where, err)
	}
	decoded, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("%s: decoding its %s image: %w", where, extracted.FileType, err)
	}
	text, err := qrcode.Decode(decoded)
	if err != nil {
		return "", fmt.Errorf("%s: %w", where, err)
	}
	return text, nil
}
