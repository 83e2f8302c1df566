package qrcode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	_ "golang.org/x/image/tiff" // the CMYK images of PDFs
)

// Reading the QR code of a PDF: a Sceau certificate (package certificate
// prints them) or any PDF that embeds the QR code as an image. The PDF
// comes from outside, so every stage is bounded (PDFLimits) before any
// image is decoded.

// Default limits of PDFLimits.
const (
	// DefaultMaxPDFBytes is the largest PDF DecodePDF reads: 20 MiB.
	DefaultMaxPDFBytes = 20 << 20
	// DefaultMaxPDFPages is the most pages a PDF may have.
	DefaultMaxPDFPages = 10
	// DefaultMaxPDFImages is the most images a PDF may have, on all its
	// pages.
	DefaultMaxPDFImages = 40
	// DefaultMaxPDFImagePixels is the most pixels one image of a PDF may
	// have: 4096 × 4096, enough for a full A4 page scanned at 400 dpi.
	DefaultMaxPDFImagePixels = 4096 * 4096
)

// Errors DecodePDF wraps, for callers to tell them apart with errors.Is.
var (
	// ErrPDFLimit means that a PDF exceeds one of the limits of PDFLimits.
	ErrPDFLimit = errors.New("PDF exceeds a limit")
	// ErrMalformedPDF means that a PDF cannot be read.
	ErrMalformedPDF = errors.New("malformed PDF")
	// ErrNoQRCodeInPDF means that no image of a PDF holds a readable QR
	// code.
	ErrNoQRCodeInPDF = errors.New("no QR code found in the PDF")
)

// PDFLimits bound the work DecodePDF does on a PDF from outside. A zero
// field takes its default; a negative one is an error.
type PDFLimits struct {
	// MaxPDFBytes is the largest PDF, in bytes (DefaultMaxPDFBytes).
	MaxPDFBytes int64
	// MaxPages is the most pages the PDF may have (DefaultMaxPDFPages).
	MaxPages int
	// MaxImages is the most images the PDF may have on all its pages
	// (DefaultMaxPDFImages).
	MaxImages int
	// MaxImagePixels is the most pixels, width × height, of any image of
	// the PDF (DefaultMaxPDFImagePixels).
	MaxImagePixels int64
}

// withDefaults returns l with its zero fields set to their defaults.
func (l PDFLimits) withDefaults() (PDFLimits, error) {
	if l.MaxPDFBytes < 0 || l.MaxPages < 0 || l.MaxImages < 0 || l.MaxImagePixels < 0 {
		return l, fmt.Errorf("PDF limits %+v: limits must not be negative", l)
	}
	if l.MaxPDFBytes == 0 {
		l.MaxPDFBytes = DefaultMaxPDFBytes
	}
	if l.MaxPages == 0 {
		l.MaxPages = DefaultMaxPDFPages
	}
	if l.MaxImages == 0 {
		l.MaxImages = DefaultMaxPDFImages
	}
	if l.MaxImagePixels == 0 {
		l.MaxImagePixels = DefaultMaxPDFImagePixels
	}
	return l, nil
}

// DecodePDF returns the text of the QR code of a PDF: of the first image,
// in page order and then object order, that holds a readable QR code. It
// does not check what the text says. Before it decodes any image, it checks
// the PDF against every limit of limits, and fails with an error wrapping
// ErrPDFLimit naming the limit; a PDF that cannot be read gives an error
// wrapping ErrMalformedPDF, and one without a QR code an error wrapping
// ErrNoQRCodeInPDF. ctx is checked between pages and images: reading the
// PDF's structure is not interruptible.
func DecodePDF(ctx context.Context, pdf []byte, limits PDFLimits) (text string, err error) {
	lim, err := limits.withDefaults()
	if err != nil {
		return "", err
	}
	if int64(len(pdf)) > lim.MaxPDFBytes {
		return "", fmt.Errorf("%w: the PDF has %d bytes, more than %d", ErrPDFLimit, len(pdf), lim.MaxPDFBytes)
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
		text, err := decodeImageQR(doc, img, lim)
		if err == nil {
			return text, nil
		}
		failures = append(failures, err)
	}
	if len(images) == 0 {
		return "", fmt.Errorf("%w: it has no images", ErrNoQRCodeInPDF)
	}
	return "", fmt.Errorf("%w: none of its %d images holds one: %w", ErrNoQRCodeInPDF, len(images), errors.Join(failures...))
}

// recoverReader turns a panic of the PDF or image readers into an error
// wrapping ErrMalformedPDF: a hostile file must not bring down a verifier.
func recoverReader(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: the PDF reader failed on it: %v", ErrMalformedPDF, r)
	}
}

// readerConfiguration returns the pdfcpu configuration DecodePDF reads
// with: built here rather than by model.NewDefaultConfiguration, which
// reads and writes a configuration directory in the user's home, and with
// pdfcpu's resource limits tightened to lim.
func readerConfiguration(lim PDFLimits) *model.Configuration {
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
func readPDF(pdf []byte, lim PDFLimits) (*model.Context, error) {
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
		return fmt.Errorf("%w: the PDF has %d pages, more than %d", ErrPDFLimit, pages, maxPages)
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
func listImages(ctx context.Context, doc *model.Context, lim PDFLimits) ([]pdfImage, error) {
	var images []pdfImage
	for page := 1; page <= doc.PageCount; page++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, objNr := range pdfcpu.ImageObjNrs(doc, page) {
			if len(images) == lim.MaxImages {
				return nil, fmt.Errorf("%w: the PDF has more than %d images", ErrPDFLimit, lim.MaxImages)
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
					ErrPDFLimit, page, objNr, width, height, lim.MaxImagePixels)
			}
			if err := checkImageStream(doc, obj.ImageDict, width, height, lim); err != nil {
				if errors.Is(err, ErrPDFLimit) {
					return nil, fmt.Errorf("page %d: image object %d: %w", page, objNr, err)
				}
				return nil, fmt.Errorf("%w: page %d: image object %d: %w", ErrMalformedPDF, page, objNr, err)
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
func decodeImageQR(doc *model.Context, img pdfImage, lim PDFLimits) (string, error) {
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
	// The extracted image's own header is checked too before it is
	// decoded: its pixels must be those listImages bounded.
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("%s: decoding its %s image: %w", where, extracted.FileType, err)
	}
	if int64(cfg.Width)*int64(cfg.Height) > lim.MaxImagePixels {
		return "", fmt.Errorf("%s: %w: its %s image has %d × %d pixels", where, ErrPDFLimit, extracted.FileType, cfg.Width, cfg.Height)
	}
	decoded, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("%s: decoding its %s image: %w", where, extracted.FileType, err)
	}
	text, err := Decode(decoded)
	if err != nil {
		return "", fmt.Errorf("%s: %w", where, err)
	}
	return text, nil
}
